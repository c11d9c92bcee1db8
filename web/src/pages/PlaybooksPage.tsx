export function PlaybooksPage() {
  return (
    <div>
      <h1>Playbooks</h1>
      <p className="notice">This page is being built.</p>
    </div>
  );
}
