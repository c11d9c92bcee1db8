export function PlaybookPage({ id }: { id: string | null }) {
  return (
    <div>
      <h1>{id ?? 'New playbook'}</h1>
      <p className="notice">This page is being built.</p>
    </div>
  );
}
