/** Dispatch page (being built). */
export default function DispatchPage(_props: { param: string }) {
  return (
    <section className="card">
      <h1>Dispatch</h1>
      <p className="muted">Coming soon.</p>
    </section>
  );
}
