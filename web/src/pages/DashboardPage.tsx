import { useEffect, useRef } from 'react';
import { api, withQuery } from '../api.ts';
import { ErrorBox, Loading, Panel, duration, useAsync } from '../components/ui.tsx';
import { useLive } from '../live.ts';
import { Link, navigate, setSearch, useLocation } from '../router.tsx';

interface Dashboard {
  window: string;
  from: string;
  to: string;
  openCases: { total: number; bySeverity: Record<string, number> };
  alertsPerHour: { hour: string; count: number }[];
  pending: { tasks: number; approvals: number; mine: { tasks: number; approvals: number } };
  mtta: { ms: number | null; cases: number; unacknowledged: number };
  mttc: { ms: number | null; cases: number; uncontained: number };
  mttr: { ms: number | null; cases: number };
  timeSaved: { ms: number; playbooks: number; runs: number };
  slaCompliance: { rate: number | null; met: number; closed: number };
  automation: {
    closedCases: number;
    automatedCases: number;
    rate: number | null;
    alerts: number;
    automatedAlerts: number;
    alertRate: number | null;
  };
  topRules: {
    rule: string;
    source: string;
    name: string | null;
    alerts: number;
    closedCases: number;
    falsePositives: number;
    falsePositiveRate: number | null;
  }[];
}

const WINDOWS = [
  { id: '24h', label: 'Last 24 hours' },
  { id: '7d', label: 'Last 7 days' },
  { id: '30d', label: 'Last 30 days' },
];
/** Most severe first, as a SOC reads them. */
const SEVERITY_ORDER = ['critical', 'high', 'medium', 'low', 'informational', 'unknown'];
/** Live events refresh the figures at most this often. */
const REFRESH_MS = 5_000;

const percent = (value: number | null) => (value === null ? '—' : `${Math.round(value * 100)} %`);

export function DashboardPage() {
  const { search } = useLocation();
  const period = search.get('window') || '7d';
  const dashboard = useAsync(() => api.get<Dashboard>('/api/v1/dashboard', { window: period }), [period]);

  // A storm of events refreshes the figures once per interval, not once per event.
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const last = useRef(0);
  useEffect(() => () => clearTimeout(timer.current ?? undefined), []);
  useLive(['alert.created', 'case.changed', 'task.changed', 'run.changed'], () => {
    if (timer.current) return;
    const wait = Math.max(0, last.current + REFRESH_MS - Date.now());
    timer.current = setTimeout(() => {
      timer.current = null;
      last.current = Date.now();
      dashboard.reload();
    }, wait);
  });

  const d = dashboard.data;
  const windowLabel = WINDOWS.find((w) => w.id === period)?.label.toLowerCase() ?? `last ${period}`;
  return (
    <div>
      <div className="row spread">
        <h1>Dashboard</h1>
        <label>
          Period
          <select
            value={period}
            onChange={(e) => setSearch({ window: e.target.value === '7d' ? '' : e.target.value })}
          >
            {WINDOWS.map((w) => (
              <option key={w.id} value={w.id}>
                {w.label}
              </option>
            ))}
          </select>
        </label>
      </div>
      <ErrorBox error={dashboard.error} />
      {!d && dashboard.loading && <Loading what="the dashboard" />}
      {d && (
        <>
          <div className="kpis" role="list" aria-label="Key figures">
            <Kpi label="Open cases" value={String(d.openCases.total)} to="/cases?status=open" />
            <Kpi
              label="Pending approvals"
              value={String(d.pending.approvals)}
              detail={`${d.pending.mine.approvals} for you`}
              to="/approvals"
            />
            <Kpi
              label="Pending tasks"
              value={String(d.pending.tasks)}
              detail={`${d.pending.mine.tasks} for you`}
              to="/approvals"
            />
            <Kpi
              label="MTTA"
              value={duration(d.mtta.ms)}
              detail={`${d.mtta.cases} of ${d.mtta.cases + d.mtta.unacknowledged} cases opened in the ${windowLabel} acknowledged`}
            />
            <Kpi
              label="MTTC"
              value={duration(d.mttc.ms)}
              detail={`${d.mttc.cases} cases opened in the ${windowLabel} contained; ${d.mttc.uncontained} open and not yet`}
            />
            <Kpi
              label="MTTR"
              value={duration(d.mttr.ms)}
              detail={`${d.mttr.cases} cases closed in the ${windowLabel}`}
            />
            <Kpi
              label="SLA compliance"
              value={percent(d.slaCompliance.rate)}
              detail={`${d.slaCompliance.met} of ${d.slaCompliance.closed} cases closed in the ${windowLabel} met every SLA clock`}
            />
            <Kpi
              label="Analyst time saved"
              value={duration(d.timeSaved.ms)}
              detail={`${d.timeSaved.runs} succeeded runs of ${d.timeSaved.playbooks} playbook(s) with time_saved in the ${windowLabel}`}
            />
            <Kpi
              label="Automation rate"
              value={percent(d.automation.rate)}
              detail={`${d.automation.automatedCases} of ${d.automation.closedCases} closed cases by playbooks alone; ${percent(d.automation.alertRate)} of their alerts`}
            />
          </div>
          <div className="cols">
            <Panel title="Alerts per hour, last 24 hours">
              <AlertsPerHour hours={d.alertsPerHour} />
            </Panel>
            <Panel title="Open cases by severity">
              <OpenBySeverity counts={d.openCases.bySeverity} />
            </Panel>
          </div>
          <Panel title={`Top detection rules, ${windowLabel}`}>
            <TopRules rules={d.topRules} />
          </Panel>
        </>
      )}
    </div>
  );
}

function Kpi({ label, value, detail, to }: { label: string; value: string; detail?: string; to?: string }) {
  return (
    <section className="panel kpi" role="listitem" aria-label={label}>
      <h2 className="small muted">{label}</h2>
      <div className="big" data-testid={`kpi-${label.toLowerCase().replace(/\s+/g, '-')}`}>
        {to ? <Link to={to}>{value}</Link> : value}
      </div>
      {detail && <div className="small muted">{detail}</div>}
    </section>
  );
}

function OpenBySeverity({ counts }: { counts: Record<string, number> }) {
  const rows = SEVERITY_ORDER.filter((s) => s in counts);
  const max = Math.max(1, ...rows.map((s) => counts[s] ?? 0));
  return (
    <ul className="plain bars">
      {rows.map((severity) => {
        const n = counts[severity] ?? 0;
        return (
          <li key={severity} className="bar-row">
            <Link
              to={`/cases?status=open&severity=${severity}`}
              aria-label={`${severity}: ${n} open ${n === 1 ? 'case' : 'cases'}`}
              className={`bar-label sev-${severity}`}
            >
              {severity}
            </Link>
            <span className="bar-track" aria-hidden="true">
              <span className={`bar bar-sev-${severity}`} style={{ width: `${(n / max) * 100}%` }} />
            </span>
            <span className="bar-value" aria-hidden="true">
              {n}
            </span>
          </li>
        );
      })}
    </ul>
  );
}

/** One SVG bar per hour; each opens the alert queue for that hour. */
function AlertsPerHour({ hours }: { hours: Dashboard['alertsPerHour'] }) {
  const width = 480;
  const height = 140;
  const gap = 2;
  const barWidth = width / hours.length - gap;
  const max = Math.max(1, ...hours.map((h) => h.count));
  const total = hours.reduce((sum, h) => sum + h.count, 0);
  const peak = hours.reduce(
    (best, h) => (h.count > best.count ? h : best),
    hours[0] ?? { hour: '', count: 0 },
  );
  const hourLabel = (iso: string) =>
    new Date(iso).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  return (
    <figure className="chart">
      <svg
        viewBox={`0 0 ${width} ${height + 16}`}
        width="100%"
        role="group"
        aria-label={`${total} alerts in the last 24 hours${total > 0 ? `; most at ${hourLabel(peak.hour)} (${peak.count})` : ''}`}
      >
        {hours.map((h, i) => {
          const barHeight = (h.count / max) * height;
          const to = withQuery('/alerts', {
            from: h.hour,
            to: new Date(Date.parse(h.hour) + 3_600_000).toISOString(),
          });
          return (
            <a
              key={h.hour}
              href={`/ui${to}`}
              aria-label={`${hourLabel(h.hour)}: ${h.count} alerts`}
              onClick={(event) => {
                event.preventDefault();
                navigate(to);
              }}
            >
              <title>{`${hourLabel(h.hour)}: ${h.count} alerts`}</title>
              <rect className="hour-slot" x={i * (barWidth + gap)} y={0} width={barWidth} height={height} />
              <rect
                className="hour-bar"
                x={i * (barWidth + gap)}
                y={height - barHeight}
                width={barWidth}
                height={barHeight}
              />
            </a>
          );
        })}
        <text x={0} y={height + 13} className="axis">
          {hours[0] ? hourLabel(hours[0].hour) : ''}
        </text>
        <text x={width} y={height + 13} className="axis" textAnchor="end">
          now
        </text>
      </svg>
      <figcaption className="small muted">
        {total} alerts received
        {total > 0 ? `; busiest hour ${hourLabel(peak.hour)} with ${peak.count}` : ''}. A bar opens that hour
        in the alert queue.
      </figcaption>
    </figure>
  );
}

function TopRules({ rules }: { rules: Dashboard['topRules'] }) {
  if (rules.length === 0) return <p className="muted">No alert with a detection rule in this period.</p>;
  const max = Math.max(1, ...rules.map((r) => r.alerts));
  return (
    <table>
      <caption className="sr-only">
        Detection rules with the most alerts, and their false-positive rate
      </caption>
      <thead>
        <tr>
          <th scope="col">Rule</th>
          <th scope="col">Latest source</th>
          <th scope="col">Alerts</th>
          <th scope="col">Closed cases</th>
          <th scope="col">False positives</th>
        </tr>
      </thead>
      <tbody>
        {rules.map((r) => (
          <tr key={`${r.source}:${r.rule}`}>
            <td>
              <Link to={withQuery('/alerts', { rule: r.rule })}>{r.name ?? r.rule}</Link>
              {r.name && r.name !== r.rule && <span className="muted small"> ({r.rule})</span>}
            </td>
            <td>{r.source}</td>
            <td>
              <span className="row">
                <span className="bar-track narrow" aria-hidden="true">
                  <span className="bar" style={{ width: `${(r.alerts / max) * 100}%` }} />
                </span>
                {r.alerts}
              </span>
            </td>
            <td>{r.closedCases}</td>
            <td>
              {percent(r.falsePositiveRate)}
              {r.closedCases > 0 && (
                <span className="muted small">
                  {' '}
                  ({r.falsePositives} of {r.closedCases})
                </span>
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
