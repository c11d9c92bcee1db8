export function AlertsPage() {
  return (
    <div>
      <h1>Alerts</h1>
      <p className="notice">This page is being built.</p>
    </div>
  );
}
