import type { ReactNode } from 'react';
import { Tabs } from '../components/ui.tsx';
import { setSearch, useLocation } from '../router.tsx';
import { useSession, type Permission } from '../session.tsx';
import { KillSwitchTab } from './settings/KillSwitchTab.tsx';
import { RulesTab } from './settings/RulesTab.tsx';
import { SecretsTab } from './settings/SecretsTab.tsx';
import { SourcesTab } from './settings/SourcesTab.tsx';
import { TenantsTab } from './settings/TenantsTab.tsx';
import { TokensTab } from './settings/TokensTab.tsx';
import { UsersTab } from './settings/UsersTab.tsx';

type TabId = 'kill-switch' | 'rules' | 'sources' | 'users' | 'tokens' | 'secrets' | 'tenants';

const TABS: {
  id: TabId;
  label: string;
  permission?: Permission;
  /** Offered in the main installation only (a tenant's server has no such routes). */
  mainOnly?: boolean;
  render: () => ReactNode;
}[] = [
  { id: 'kill-switch', label: 'Kill switch', render: () => <KillSwitchTab /> },
  { id: 'rules', label: 'Response rules', permission: 'viewPolicies', render: () => <RulesTab /> },
  { id: 'sources', label: 'Sources', permission: 'manageSources', render: () => <SourcesTab /> },
  { id: 'users', label: 'Users and roles', permission: 'manageUsers', render: () => <UsersTab /> },
  { id: 'tokens', label: 'API tokens', permission: 'manageUsers', render: () => <TokensTab /> },
  // Secrets are admin-only on the server, like users and tokens.
  { id: 'secrets', label: 'Secrets', permission: 'manageUsers', render: () => <SecretsTab /> },
  {
    id: 'tenants',
    label: 'Tenants',
    permission: 'manageTenants',
    mainOnly: true,
    render: () => <TenantsTab />,
  },
];

/** Settings: one tab per area, offered only to the roles that may use it. */
export function SettingsPage() {
  const { can, tenant } = useSession();
  const { search } = useLocation();
  const tabs = TABS.filter((t) => (!t.permission || can(t.permission)) && (!t.mainOnly || tenant === null));
  const wanted = search.get('tab');
  const current = tabs.find((t) => t.id === wanted) ?? tabs[0]!;
  return (
    <div>
      <h1>Settings</h1>
      <Tabs
        label="Settings"
        tabs={tabs.map(({ id, label }) => ({ id, label }))}
        value={current.id}
        onChange={(id) => setSearch({ tab: id })}
      />
      <div role="tabpanel" aria-label={current.label}>
        {current.render()}
      </div>
    </div>
  );
}
