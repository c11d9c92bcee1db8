export function SettingsPage() {
  return (
    <div>
      <h1>Settings</h1>
      <p className="notice">This page is being built.</p>
    </div>
  );
}
