export function DashboardPage() {
  return (
    <div>
      <h1>Dashboard</h1>
      <p className="notice">This page is being built.</p>
    </div>
  );
}
