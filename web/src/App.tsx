import { useCallback, useEffect, useMemo, useState, type ReactNode } from 'react';
import { api, setUnauthenticatedHandler } from './api.ts';
import { disconnectLive } from './live.ts';
import { Link, match, navigate, useLocation } from './router.tsx';
import { canRole, SessionContext, type Permission, type Principal, type Session } from './session.tsx';
import { applyTheme, storedTheme, type Theme } from './theme.ts';
import { AlertsPage } from './pages/AlertsPage.tsx';
import { ApprovalsPage } from './pages/ApprovalsPage.tsx';
import { AuditPage } from './pages/AuditPage.tsx';
import { CasePage } from './pages/CasePage.tsx';
import { CasesPage } from './pages/CasesPage.tsx';
import { DashboardPage } from './pages/DashboardPage.tsx';
import { IntegrationsPage } from './pages/IntegrationsPage.tsx';
import { PlaybookPage } from './pages/PlaybookPage.tsx';
import { PlaybooksPage } from './pages/PlaybooksPage.tsx';
import { SettingsPage } from './pages/SettingsPage.tsx';
import { KillSwitchBanner } from './components/KillSwitchBanner.tsx';
import { LoginPage } from './pages/LoginPage.tsx';

interface Route {
  pattern: string;
  title: string;
  render: (params: Record<string, string>) => ReactNode;
  permission?: Permission;
}

const ROUTES: Route[] = [
  { pattern: '/', title: 'Dashboard', render: () => <DashboardPage /> },
  { pattern: '/alerts', title: 'Alerts', render: () => <AlertsPage /> },
  { pattern: '/cases', title: 'Cases', render: () => <CasesPage /> },
  { pattern: '/cases/:id', title: 'Case', render: (p) => <CasePage id={p.id!} /> },
  { pattern: '/approvals', title: 'Approvals and tasks', render: () => <ApprovalsPage /> },
  { pattern: '/playbooks', title: 'Playbooks', render: () => <PlaybooksPage /> },
  {
    pattern: '/playbooks/new',
    title: 'New playbook',
    render: () => <PlaybookPage id={null} />,
    permission: 'editPlaybooks',
  },
  { pattern: '/playbooks/:id', title: 'Playbook', render: (p) => <PlaybookPage id={p.id!} /> },
  { pattern: '/integrations', title: 'Integrations', render: () => <IntegrationsPage /> },
  { pattern: '/audit', title: 'Audit log', render: () => <AuditPage />, permission: 'viewAudit' },
  { pattern: '/settings', title: 'Settings', render: () => <SettingsPage /> },
];

const NAV: { to: string; label: string; permission?: Permission }[] = [
  { to: '/', label: 'Dashboard' },
  { to: '/alerts', label: 'Alerts' },
  { to: '/cases', label: 'Cases' },
  { to: '/approvals', label: 'Approvals & tasks' },
  { to: '/playbooks', label: 'Playbooks' },
  { to: '/integrations', label: 'Integrations' },
  { to: '/audit', label: 'Audit log', permission: 'viewAudit' },
  { to: '/settings', label: 'Settings' },
];

/** Who is logged in, and the tenant this console is served for (null: the main installation). */
interface Whoami {
  principal: Principal;
  tenant: string | null;
}

export function App() {
  const [whoami, setWhoami] = useState<Whoami | null | undefined>(undefined);
  const [theme, setTheme] = useState<Theme>(storedTheme);
  useEffect(() => applyTheme(theme), [theme]);
  const refresh = useCallback(() => {
    api.get<Whoami>('/api/v1/session').then(
      (answer) => setWhoami({ principal: answer.principal, tenant: answer.tenant ?? null }),
      () => setWhoami(null),
    );
  }, []);
  useEffect(() => {
    setUnauthenticatedHandler(() => setWhoami(null));
    refresh();
  }, [refresh]);
  const session = useMemo<Session | null>(
    () =>
      whoami
        ? {
            principal: whoami.principal,
            tenant: whoami.tenant,
            can: (permission) => canRole(whoami.principal.role, permission),
            logout: async () => {
              const ended = await api
                .delete<{ endSessionUrl?: string } | undefined>('/api/v1/session')
                .catch(() => undefined);
              disconnectLive();
              // A single sign-on session may end at the identity provider too; it sends the browser back here.
              if (ended?.endSessionUrl) window.location.assign(ended.endSessionUrl);
              else setWhoami(null);
            },
          }
        : null,
    [whoami],
  );
  if (whoami === undefined) return <p className="muted">Loading…</p>;
  if (!session) return <LoginPage onLogin={refresh} />;
  return (
    <SessionContext.Provider value={session}>
      <Shell theme={theme} setTheme={setTheme} session={session} />
    </SessionContext.Provider>
  );
}

function Shell({
  theme,
  setTheme,
  session,
}: {
  theme: Theme;
  setTheme: (t: Theme) => void;
  session: Session;
}) {
  const { path } = useLocation();
  let page: ReactNode = <NotFound />;
  let title = 'Not found';
  for (const route of ROUTES) {
    const params = match(route.pattern, path);
    if (!params) continue;
    if (route.permission && !session.can(route.permission)) {
      page = <p className="notice">Your role ({session.principal.role}) cannot open this page.</p>;
    } else page = route.render(params);
    title = route.title;
    break;
  }
  useEffect(() => {
    document.title = session.tenant ? `${title} · ${session.tenant} · Riposte` : `${title} · Riposte`;
  }, [title, session.tenant]);
  return (
    <div className="shell">
      <a className="skip" href="#main">
        Skip to content
      </a>
      <nav className="nav" aria-label="Main">
        <div className="brand">
          Riposte
          {session.tenant !== null && (
            <>
              {' '}
              {/* Every page says which tenant it is: the consoles of two tenants look alike. */}
              <span className="badge state-info" data-testid="tenant" title="The tenant this console serves">
                tenant {session.tenant}
              </span>
            </>
          )}
        </div>
        {NAV.filter((n) => !n.permission || session.can(n.permission)).map((n) => {
          const current = n.to === '/' ? path === '/' : path === n.to || path.startsWith(`${n.to}/`);
          return (
            <Link key={n.to} to={n.to} aria-current={current ? 'page' : undefined}>
              {n.label}
            </Link>
          );
        })}
        <div className="spacer" />
        <label className="inline small">
          <input
            type="checkbox"
            checked={theme === 'dark'}
            onChange={(e) => setTheme(e.target.checked ? 'dark' : 'light')}
          />
          Dark theme
        </label>
        <div className="who" data-testid="who">
          {session.principal.name} · {session.principal.role}
        </div>
        <button onClick={() => session.logout().then(() => navigate('/'))}>Log out</button>
      </nav>
      <main className="main" id="main" tabIndex={-1}>
        <KillSwitchBanner />
        {page}
      </main>
    </div>
  );
}

function NotFound() {
  return (
    <div className="panel">
      <h1>Not found</h1>
      <p>
        There is no page here. <Link to="/">Back to the dashboard</Link>.
      </p>
    </div>
  );
}
