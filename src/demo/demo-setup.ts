import { randomBytes } from 'node:crypto';
import type { Actor } from '../audit/audit-log.ts';
import type { Format } from '../core/format.ts';
import type { Riposte } from '../riposte.ts';
import type { DemoInstance } from './demo-fakes.ts';
import { ADDRESSES, HOSTS } from './demo-world.ts';

/** Everything the demo configures is done, and audited, as this actor. */
export const DEMO_ACTOR: Actor = { id: 'system:demo', type: 'system' };

const asset = (type: 'host' | 'ipv4', value: string, criticality: string, owner: string, tags: string[]) => ({
  type,
  value,
  criticality,
  owner,
  tags,
});

/** The company's asset inventory: criticality decides approvals, owners get the patch tickets. */
export const DEMO_ASSETS = [
  asset('host', HOSTS.workstation, 'low', 'it-helpdesk@corp.example', ['workstation']),
  asset('host', HOSTS.laptop, 'low', 'it-helpdesk@corp.example', ['workstation']),
  asset('host', HOSTS.ransomWorkstation, 'low', 'it-helpdesk@corp.example', ['workstation']),
  asset('host', HOSTS.buildServer, 'medium', 'platform-team@corp.example', ['build']),
  asset('host', HOSTS.ciRunner, 'low', 'platform-team@corp.example', ['build']),
  asset('host', HOSTS.criticalServer, 'critical', 'dba-team@corp.example', ['server', 'database']),
  asset('host', HOSTS.dbServer, 'critical', 'dba-team@corp.example', ['server', 'database']),
  asset('host', HOSTS.fileServer, 'high', 'it-infra@corp.example', ['server', 'file-share']),
  asset('host', HOSTS.jumpHost, 'high', 'it-infra@corp.example', ['server', 'bastion']),
  asset('host', HOSTS.webServer, 'high', 'web-team@corp.example', ['server', 'internet-facing']),
  asset('ipv4', ADDRESSES.webServer, 'high', 'web-team@corp.example', ['internet-facing']),
  asset('ipv4', ADDRESSES.internalDb, 'high', 'dba-team@corp.example', ['server', 'database']),
];

/** The external dynamic lists the built-ins block on (their `block_list` / `c2_*_list` inputs). */
export const DEMO_BLOCK_LISTS = [
  { name: 'perimeter', type: 'ip', description: 'Demo: addresses the network IDS triage blocks for 24 h' },
  { name: 'c2-ip', type: 'ip', description: 'Demo: ransomware command-and-control addresses' },
  { name: 'c2-domain', type: 'domain', description: 'Demo: ransomware command-and-control domains' },
  { name: 'blocked-ips', type: 'ip', description: 'Demo: temporary blocks of exposed vulnerable servers' },
] as const;

/** The people of the demo: an admin to look around with, an analyst to answer tasks as. */
export const DEMO_PEOPLE = [
  { username: 'demo', role: 'admin' },
  { username: 'analyst', role: 'analyst' },
] as const;

/** One instance per integration, named after it (the built-ins' `instance:`), re-pointed at this start's fakes. */
export async function configureInstances(
  riposte: Riposte,
  instances: readonly DemoInstance[],
): Promise<void> {
  for (const { integration, fields } of instances)
    await riposte.instances.put(
      riposte.integrations.get(integration),
      integration,
      { fields, isDefault: true },
      DEMO_ACTOR,
    );
}

export async function loadAssets(riposte: Riposte): Promise<number> {
  return (await riposte.assets.upsert(DEMO_ASSETS, DEMO_ACTOR)).upserted;
}

/** Creates the block lists that are missing; returns the names created. */
export async function createBlockLists(riposte: Riposte): Promise<string[]> {
  const existing = new Set((await riposte.edl.lists()).map((l) => l.name));
  const created: string[] = [];
  for (const list of DEMO_BLOCK_LISTS) {
    if (existing.has(list.name)) continue;
    await riposte.edl.create(list, DEMO_ACTOR);
    created.push(list.name);
  }
  return created;
}

/** A person's login; `password` is null for one created at an earlier start (it is not kept). */
export interface DemoLogin {
  username: string;
  role: string;
  password: string | null;
}

/** Creates the demo's people that are missing, each with a fresh random password. */
export async function createPeople(riposte: Riposte): Promise<DemoLogin[]> {
  const existing = new Set((await riposte.users.list()).map((u) => u.username));
  const logins: DemoLogin[] = [];
  for (const { username, role } of DEMO_PEOPLE) {
    if (existing.has(username)) {
      logins.push({ username, role, password: null });
      continue;
    }
    const password = randomBytes(12).toString('base64url');
    await riposte.users.create({ username, role, password }, DEMO_ACTOR);
    logins.push({ username, role, password });
  }
  return logins;
}

/**
 * One ingest source per format, each with its own token. A source left from an earlier start is
 * created anew: its token was shown once and not kept.
 */
export async function createSources(
  riposte: Riposte,
  formats: readonly Format[],
  name: (format: Format) => string,
): Promise<Map<Format, string>> {
  const existing = new Set((await riposte.sources.list()).map((s) => s.name));
  const tokens = new Map<Format, string>();
  for (const format of new Set(formats)) {
    if (existing.has(name(format))) await riposte.sources.delete(name(format), DEMO_ACTOR);
    tokens.set(format, (await riposte.sources.create({ name: name(format), format }, DEMO_ACTOR)).token);
  }
  return tokens;
}
