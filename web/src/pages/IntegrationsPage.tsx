export function IntegrationsPage() {
  return (
    <div>
      <h1>Integrations</h1>
      <p className="notice">This page is being built.</p>
    </div>
  );
}
