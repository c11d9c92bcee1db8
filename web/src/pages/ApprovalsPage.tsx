export function ApprovalsPage() {
  return (
    <div>
      <h1>Approvals</h1>
      <p className="notice">This page is being built.</p>
    </div>
  );
}
