export function AuditPage() {
  return (
    <div>
      <h1>Audit</h1>
      <p className="notice">This page is being built.</p>
    </div>
  );
}
