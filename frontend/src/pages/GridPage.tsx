/** Grid page (being built). */
export default function GridPage(_props: { param: string }) {
  return (
    <section className="card">
      <h1>Grid</h1>
      <p className="muted">Coming soon.</p>
    </section>
  );
}
