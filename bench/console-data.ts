/**
 * The vocabulary of the console benchmark's data set: a seeded random source, skewed choices, ids
 * stamped with a chosen time, and the pools (sources, rules, hosts, people, tags) rows are drawn
 * from. Pure: the same seed gives the same data.
 */

const ID_ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';
export const DAY_MS = 86_400_000;

/** mulberry32: small, fast and good enough to spread benchmark data. */
export function randomSource(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Picks index i with probability weights[i] / sum, by binary search over the cumulative weights. */
export function weightedPicker(weights: readonly number[], random: () => number): () => number {
  const cumulative: number[] = [];
  let sum = 0;
  for (const w of weights) cumulative.push((sum += w));
  return () => {
    const x = random() * sum;
    let lo = 0;
    let hi = cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cumulative[mid]! > x) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  };
}

/** A long tail: item k weighs 1 / (k + 1)^s, so a few are frequent and most are rare. */
export function zipfPicker(n: number, s: number, random: () => number): () => number {
  return weightedPicker(
    Array.from({ length: n }, (_, k) => 1 / (k + 1) ** s),
    random,
  );
}

/**
 * Ids in the product's format (src/core/ids.ts: 10 chars of milliseconds, 2 of a counter, 10 random)
 * but stamped with the time the row claims, so a seeded list sorts by id exactly as a real one does.
 * Times must be given in ascending order per prefix.
 */
export function idStamper(random: () => number): (prefix: string, ms: number) => string {
  const last = new Map<string, { ms: number; counter: number }>();
  return (prefix, wanted) => {
    const prior = last.get(prefix);
    let ms = Math.floor(wanted);
    let counter = 0;
    if (prior && ms <= prior.ms) {
      ms = prior.ms;
      counter = prior.counter + 1;
      if (counter >= 1024) {
        ms += 1;
        counter = 0;
      }
    }
    last.set(prefix, { ms, counter });
    let time = '';
    for (let i = 0, t = ms; i < 10; i++, t = Math.floor(t / 32)) time = ID_ALPHABET[t % 32] + time;
    let rand = '';
    for (let i = 0; i < 10; i++) rand += ID_ALPHABET[Math.floor(random() * 32)];
    return `${prefix}${time}${ID_ALPHABET[(counter >> 5) & 31]}${ID_ALPHABET[counter & 31]}${rand}`;
  };
}

/** Where alerts come from: name, format, and its share of the volume. */
export const SOURCES = [
  { name: 'suricata-dmz', format: 'suricata', weight: 30 },
  { name: 'wazuh-servers', format: 'wazuh', weight: 18 },
  { name: 'elastic-siem', format: 'elastic', weight: 14 },
  { name: 'defender-endpoints', format: 'defender', weight: 10 },
  { name: 'crowdstrike', format: 'crowdstrike', weight: 8 },
  { name: 'sentinel', format: 'sentinel', weight: 6 },
  { name: 'zeek-core', format: 'zeek', weight: 5 },
  { name: 'okta', format: 'okta', weight: 3 },
  { name: 'guardduty-prod', format: 'guardduty', weight: 2.5 },
  { name: 'splunk-legacy', format: 'splunk', weight: 1.5 },
  { name: 'phishing-mailbox', format: 'email', weight: 1.2 },
  { name: 'fortigate-cef', format: 'cef', weight: 0.8 },
] as const;

export const SEVERITY_WEIGHTS = [
  ['informational', 10],
  ['low', 30],
  ['medium', 35],
  ['high', 18],
  ['critical', 7],
] as const;

const CATEGORIES = [
  'malware',
  'intrusion',
  'credential-access',
  'phishing',
  'policy',
  'recon',
  'exfiltration',
  'lateral-movement',
];
const TECHNIQUES = ['T1059.001', 'T1003', 'T1566.001', 'T1071.001', 'T1110', 'T1046', 'T1021.002', 'T1048'];
const WORDS = [
  'Suspicious',
  'PowerShell',
  'download',
  'cradle',
  'Mimikatz',
  'credential',
  'dumping',
  'phishing',
  'attachment',
  'beacon',
  'Cobalt',
  'Strike',
  'ransomware',
  'note',
  'lateral',
  'movement',
  'brute',
  'force',
  'login',
  'DNS',
  'tunneling',
  'TOR',
  'exit',
  'node',
  'scanner',
  'SMB',
  'exploit',
  'outbound',
  'traffic',
  'unusual',
  'port',
  'privilege',
  'escalation',
  'persistence',
  'registry',
  'run',
  'key',
  'impossible',
  'travel',
  'MFA',
  'fatigue',
  'webshell',
  'upload',
  'cryptominer',
  'pool',
  'LDAP',
  'enumeration',
  'Kerberoasting',
  'exfiltration',
  'archive',
];

export interface Rule {
  id: string;
  name: string;
  category: string;
  technique: string;
  source: number;
}

/** `count` detection rules; each belongs to one source, more of them to the busy sources. */
export function makeRules(count: number, random: () => number): Rule[] {
  const pickSource = weightedPicker(
    SOURCES.map((s) => s.weight),
    random,
  );
  const word = () => WORDS[Math.floor(random() * WORDS.length)]!;
  return Array.from({ length: count }, (_, k) => {
    const category = CATEGORIES[Math.floor(random() * CATEGORIES.length)]!;
    return {
      id: String(2_010_000 + k * 7),
      name: `${category.toUpperCase()} ${word()} ${word()} ${word()} (rule ${k})`,
      category,
      technique: TECHNIQUES[Math.floor(random() * TECHNIQUES.length)]!,
      source: pickSource(),
    };
  });
}

export const ANALYSTS = Array.from({ length: 30 }, (_, k) => `analyst${String(k + 1).padStart(2, '0')}`);
export const TAGS = [
  'phishing',
  'vip',
  'false-positive-candidate',
  'needs-enrichment',
  'escalated',
  'customer:acme',
  'customer:globex',
  'customer:initech',
  'prod',
  'dev',
  'pci',
  'gdpr',
  'ransomware',
  'insider',
  'cloud',
  'endpoint',
  'network',
  'identity',
  'email',
  'waiting-on-it',
  'shift:night',
  'shift:day',
  'mitre:t1059',
  'mitre:t1566',
  'mitre:t1003',
  'mitre:t1110',
  'campaign:2026-q3',
  'campaign:2026-q4',
  'red-team',
  'purple-team',
  'sandbox',
  'quarantined',
  'blocked',
  'watchlist',
  'tier2',
  'tier3',
  'legal-hold',
  'reopened',
  'noisy-rule',
  'tuning',
];
export const PLAYBOOKS = Array.from({ length: 24 }, (_, k) =>
  [
    'enrich_ip',
    'enrich_hash',
    'phishing_triage',
    'isolate_host',
    'disable_user',
    'block_domain',
    'reset_password',
    'notify_owner',
  ][k % 8]!.concat(k < 8 ? '' : `_v${Math.floor(k / 8) + 1}`),
);

export function host(n: number): string {
  return `${['ws', 'srv', 'lap', 'db', 'web'][n % 5]}-${String(n).padStart(5, '0')}.corp.example`;
}

export function ipv4(n: number): string {
  return `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`;
}

export function externalIp(n: number): string {
  return `198.51.${(n >> 8) & 255}.${n & 255}`;
}

export function domain(n: number): string {
  return `${WORDS[n % WORDS.length]!.toLowerCase()}-${n}.example-bad.net`;
}

export function user(n: number): string {
  return `u${String(n).padStart(5, '0')}@corp.example`;
}

export function sha256(n: number): string {
  let s = '';
  let x = (n * 2654435761) >>> 0;
  for (let i = 0; i < 8; i++) {
    x = Math.imul(x ^ (x >>> 13), 0x5bd1e995) >>> 0;
    s += x.toString(16).padStart(8, '0');
  }
  return s;
}
