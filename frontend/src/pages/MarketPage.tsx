/** Market page (being built). */
export default function MarketPage(_props: { param: string }) {
  return (
    <section className="card">
      <h1>Market</h1>
      <p className="muted">Coming soon.</p>
    </section>
  );
}
