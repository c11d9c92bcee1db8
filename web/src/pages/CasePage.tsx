export function CasePage({ id }: { id: string }) {
  return (
    <div>
      <h1>Case {id}</h1>
      <p className="notice">This page is being built.</p>
    </div>
  );
}
