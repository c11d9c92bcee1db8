export function CasesPage() {
  return (
    <div>
      <h1>Cases</h1>
      <p className="notice">This page is being built.</p>
    </div>
  );
}
