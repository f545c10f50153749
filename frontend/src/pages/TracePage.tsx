/** Trace page (being built). */
export default function TracePage(_props: { param: string }) {
  return (
    <section className="card">
      <h1>Trace</h1>
      <p className="muted">Coming soon.</p>
    </section>
  );
}
