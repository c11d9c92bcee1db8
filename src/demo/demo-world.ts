import { hashesOf } from '../integrations/virustotal/fake-virustotal-objects.ts';

/**
 * The small company the demo plays in: its hosts, people, files and attackers. The sample alerts
 * (demo-alerts.ts) name these, the fake vendor servers (demo-fakes.ts) know them, and the asset
 * inventory lists the hosts — so every playbook finds what a real deployment would find.
 */

/** A file the fake reputation services and the sandbox know by its hashes. */
export interface DemoFile {
  name: string;
  md5: string;
  sha1: string;
  sha256: string;
  /** The bytes the hashes are computed from (the fake VirusTotal seeds files by content). */
  content: string;
}

function file(name: string, description: string): DemoFile {
  const content = `Riposte demo sample ${name}: ${description}. Not a real program.`;
  const { md5, sha1, sha256 } = hashesOf(content);
  return { name, md5, sha1, sha256, content };
}

export const FILES = {
  /** Known to VirusTotal and ThreatFox as malware. */
  agentTesla: file('invoice_0423.exe', 'stands in for an Agent Tesla information stealer'),
  /** Unknown to every reputation service; the sandbox finds it malicious. */
  stealer: file('quarterly_report.scr', 'stands in for a RedLine information stealer'),
  /** Known to VirusTotal as harmless. */
  installer: file('setup-tools-2.4.1.exe', 'stands in for a signed developer tools installer'),
} as const;

export const HOSTS = {
  workstation: 'ws-042',
  criticalServer: 'srv-db-01',
  laptop: 'lt-omar.contoso.com',
  buildServer: 'build-07',
  fileServer: 'fs-02.contoso.com',
  ransomWorkstation: 'ws-201',
  webServer: 'web-01',
  dbServer: 'db-02.corp.example',
  jumpHost: 'jump-01.corp.example',
  ciRunner: 'ci-03',
} as const;

export const ADDRESSES = {
  /** A scanner with a long abuse record: malicious everywhere. */
  attacker: '203.0.113.66',
  /** A research scanner GreyNoise knows as benign. */
  researchScanner: '198.51.100.200',
  /** The ransomware's command-and-control server. */
  c2: '203.0.113.77',
  /** web-01's public address, open on the internet. */
  webServer: '203.0.113.80',
  /** ci-03's public address: nothing answers there. */
  ciRunner: '198.51.100.70',
  /** The internal database server the IDS saw scanned. */
  internalDb: '10.0.4.12',
  /** Jane's usual office network (New York). */
  janeOffice: '198.51.100.7',
  bruteForcer: '198.51.100.23',
} as const;

export const C2_DOMAIN = 'update-cdn.example-c2.net';

export const PHISH = {
  url: 'https://login.paypa1-secure.example/verify',
  host: 'login.paypa1-secure.example',
  messageId: 'a41f9c3e.7d2b@paypa1-secure.example',
  /** Alice (in To; Bob and Carol in Cc) reported it: the playbook names her mailbox twice. */
  reporter: 'alice@corp.example',
  recipients: ['alice@corp.example', 'bob@corp.example', 'carol@corp.example'],
} as const;

export const INVOICE_MAIL = {
  url: 'https://portal.acme-supplies.example/invoices/2291',
  messageId: '20250107101500.77ab@acme-supplies.example',
  /** Dave, one of its three recipients, reported it. */
  reporter: 'dave@corp.example',
  recipients: ['dave@corp.example', 'erin@corp.example', 'frank@corp.example'],
} as const;

export const PEOPLE = {
  jane: { login: 'jane.doe@corp.example', oktaId: '00u1a2b3c4d5e6f7g8h9', first: 'Jane', last: 'Doe' },
  adele: { upn: 'adele.vance@contoso.example', graphId: '6e7b768e-07e2-4810-8459-485f84f8f204' },
  jdoe: { upn: 'jdoe@contoso.com', graphId: '87d349ed-44d7-43e1-9a83-5f2406dee5bd' },
} as const;

export const CVES = {
  log4shell: 'CVE-2021-44228',
  regresshion: 'CVE-2024-6387',
  passwd: 'CVE-2023-29383',
} as const;
