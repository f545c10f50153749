/** Admin page (being built). */
export default function AdminPage(_props: { param: string }) {
  return (
    <section className="card">
      <h1>Admin</h1>
      <p className="muted">Coming soon.</p>
    </section>
  );
}
