import type { Format } from '../core/format.ts';
import { demoEmails } from './demo-emails.ts';
import {
  ago,
  falcon,
  json,
  oktaSignIn,
  sentinelAlert,
  suricata,
  wazuhVulnerability,
} from './demo-records.ts';
import { ADDRESSES, C2_DOMAIN, CVES, FILES, HOSTS, PEOPLE } from './demo-world.ts';

/** The built-in scenario an alert belongs to (docs/builtin-playbooks.md). */
export type DemoScenario =
  | 'phishing'
  | 'network-ids'
  | 'checklist'
  | 'malicious-file'
  | 'ransomware'
  | 'account-compromise'
  | 'vulnerable-server';

/** One sample alert, as its vendor sends it. */
export interface DemoAlert {
  /** Stable name (the e2e test and the demo's state file refer to it). */
  key: string;
  scenario: DemoScenario;
  /** The built-in playbook that should pick it up. */
  playbook: string;
  /** What to watch for, in a few words. */
  story: string;
  format: Format;
  contentType: string;
  /** When it is sent, as a share (0–1) of the feed's duration. */
  at: number;
  /** The request body, with event times around `now`. */
  body(now: Date): string;
}

/** The sample alerts, in the order they are sent. */
export const DEMO_ALERTS: readonly DemoAlert[] = [
  {
    key: 'ids-attacker',
    scenario: 'network-ids',
    playbook: 'network_ids_triage',
    story: 'a known-bad scanner probes the database server: blocked on the perimeter list for 24 h',
    format: 'suricata',
    contentType: 'application/json',
    at: 0,
    body: (now) =>
      suricata(now, ADDRESSES.attacker, 2_010_935, 'ET SCAN Suspicious inbound to MSSQL port 1433', 1433),
  },
  {
    key: 'okta-jane-office',
    scenario: 'account-compromise',
    playbook: 'account_compromise',
    story: 'Jane signs in from her New York office: the baseline, nothing to do',
    format: 'okta',
    contentType: 'application/json',
    at: 0.04,
    body: (now) =>
      oktaSignIn(now, '5e1a7c2e-6b3c-11f1-9d4a-000000000001', 120, ADDRESSES.janeOffice, {
        city: 'New York',
        country: 'United States',
        lat: 40.7128,
        lon: -74.006,
        asn: 7922,
        asOrg: 'comcast',
      }),
  },
  {
    key: 'falcon-workstation',
    scenario: 'malicious-file',
    playbook: 'malicious_file',
    story: 'known malware on a workstation: the host is isolated through Falcon at once',
    format: 'crowdstrike',
    contentType: 'application/json',
    at: 0.08,
    body: (now) =>
      falcon(now, 'ldt:ws042agent:4242', HOSTS.workstation, '10.20.1.42', 'mona', {
        DetectName: 'Known Malware',
        DetectDescription: `A file written to disk matches a known Agent Tesla sample.`,
        Severity: 4,
        SeverityName: 'High',
        Tactic: 'Malware',
        Technique: 'Known Malware',
        PatternId: 10_153,
        FileName: FILES.agentTesla.name,
        SHA256String: FILES.agentTesla.sha256,
        MD5String: FILES.agentTesla.md5,
        CommandLine: `"C:\\Users\\mona\\Downloads\\${FILES.agentTesla.name}"`,
        ParentCommandLine: 'C:\\Windows\\explorer.exe',
      }),
  },
  {
    key: 'phish-malicious',
    scenario: 'phishing',
    playbook: 'phishing_report',
    story: 'a reported phish with a known-bad link: every copy is quarantined at once',
    format: 'email',
    contentType: 'message/rfc822',
    at: 0.14,
    body: (now) => demoEmails(now).malicious,
  },
  {
    key: 'defender-ransomware',
    scenario: 'ransomware',
    playbook: 'ransomware_activity',
    story: 'ransomware encrypting a file server: containment waits 10 minutes for a manager',
    format: 'defender',
    contentType: 'application/json',
    at: 0.2,
    body: (now) =>
      json({
        id: 'da638712399999999999_-99887766',
        title: 'Ransomware behavior detected in the file system',
        description: 'A process renamed and encrypted many files on shared folders and wrote ransom notes.',
        severity: 'High',
        category: 'Ransomware',
        mitreTechniques: ['T1486', 'T1490'],
        computerDnsName: HOSTS.fileServer,
        relatedUser: { userName: 'jdoe', domainName: 'CONTOSO' },
        firstEventTime: ago(now, 2),
        alertCreationTime: ago(now, 1),
        evidence: [
          { entityType: 'Process', processCommandLine: 'vssadmin.exe delete shadows /all /quiet' },
          { entityType: 'User', userPrincipalName: PEOPLE.jdoe.upn },
          { entityType: 'Ip', ipAddress: ADDRESSES.c2 },
          { entityType: 'Url', url: `http://${C2_DOMAIN}/k.php` },
        ],
      }),
  },
  {
    key: 'wazuh-bruteforce',
    scenario: 'checklist',
    playbook: 'analyst_checklist',
    story: 'SSH brute force on a jump host: no playbook claims it, the analyst checklist asks the questions',
    format: 'wazuh',
    contentType: 'application/json',
    at: 0.26,
    body: (now) =>
      json({
        timestamp: ago(now, 1),
        id: '1736246959.1234',
        rule: {
          level: 10,
          description: 'sshd: brute force trying to get access to the system. Non existent user.',
          id: '5712',
          mitre: { id: ['T1110'], tactic: ['Credential Access'] },
          groups: ['syslog', 'sshd', 'authentication_failures'],
        },
        agent: { id: '007', name: HOSTS.jumpHost, ip: '10.0.9.7' },
        full_log: `sshd[4211]: Invalid user paco from ${ADDRESSES.bruteForcer} port 50322`,
        data: { srcip: ADDRESSES.bruteForcer, srcuser: 'paco' },
        location: '/var/log/auth.log',
      }),
  },
  {
    key: 'okta-jane-moscow',
    scenario: 'account-compromise',
    playbook: 'account_compromise',
    story:
      'Jane signs in from Moscow two hours later: sessions revoked, password reset, the lock waits for a manager',
    format: 'okta',
    contentType: 'application/json',
    at: 0.32,
    body: (now) =>
      oktaSignIn(now, '5e1a7c2e-6b3c-11f1-9d4a-000000000002', 1, ADDRESSES.attacker, {
        city: 'Moscow',
        country: 'Russia',
        lat: 55.7558,
        lon: 37.6173,
        asn: 12_389,
        asOrg: 'example transit',
      }),
  },
  {
    key: 'wazuh-log4shell',
    scenario: 'vulnerable-server',
    playbook: 'vulnerable_server',
    story:
      'Log4Shell on an internet-facing server: ticket due in 2 days, a temporary block waits for a manager',
    format: 'wazuh',
    contentType: 'application/json',
    at: 0.38,
    body: (now) =>
      wazuhVulnerability(
        now,
        '1772445600.118273',
        HOSTS.webServer,
        ADDRESSES.webServer,
        CVES.log4shell,
        'log4j',
        13,
      ),
  },
  {
    key: 'defender-unknown-file',
    scenario: 'malicious-file',
    playbook: 'malicious_file',
    story:
      'a file no one knows: detonated in the sandbox, found malicious, the laptop isolated and the file quarantined',
    format: 'defender',
    contentType: 'application/json',
    at: 0.44,
    body: (now) =>
      json({
        id: 'da638712345678901234_-1234567890',
        title: 'Suspicious executable flagged by cloud machine learning',
        description:
          'An executable with no known reputation showed behavior typical of information stealers.',
        severity: 'Medium',
        category: 'Malware',
        mitreTechniques: ['T1204.002'],
        computerDnsName: HOSTS.laptop,
        relatedUser: { userName: 'omar', domainName: 'CONTOSO' },
        firstEventTime: ago(now, 2),
        evidence: [
          {
            entityType: 'File',
            fileName: FILES.stealer.name,
            sha1: FILES.stealer.sha1,
            sha256: FILES.stealer.sha256,
          },
        ],
      }),
  },
  {
    key: 'ids-research-scanner',
    scenario: 'network-ids',
    playbook: 'network_ids_triage',
    story: 'a research scanner GreyNoise knows as benign: the case is closed by itself',
    format: 'suricata',
    contentType: 'application/json',
    at: 0.5,
    body: (now) =>
      suricata(now, ADDRESSES.researchScanner, 2_024_364, 'ET SCAN Possible Nmap User-Agent Observed', 80),
  },
  {
    key: 'sentinel-adele-travel',
    scenario: 'account-compromise',
    playbook: 'account_compromise',
    story: 'Entra ID reports atypical travel: sessions revoked and a password change forced through Graph',
    format: 'sentinel',
    contentType: 'application/json',
    at: 0.56,
    // The REST API's shape: camelCase entity properties, the account's domain in upnSuffix.
    body: (now) =>
      sentinelAlert(
        now,
        'd1c5f3a2-7e1b-4b9c-9a0e-3f2d1c0b9a88',
        'Atypical travel',
        'AtypicalTravel',
        '203.0.113.145',
      ),
  },
  {
    key: 'phish-suspicious',
    scenario: 'phishing',
    playbook: 'phishing_report',
    story: 'a reported invoice mail that fails SPF: quarantining its copies waits for a manager',
    format: 'email',
    contentType: 'message/rfc822',
    at: 0.62,
    body: (now) => demoEmails(now).suspicious,
  },
  {
    key: 'falcon-critical-server',
    scenario: 'malicious-file',
    playbook: 'malicious_file',
    story: 'the same malware on a critical database server: isolation waits for a manager',
    format: 'crowdstrike',
    contentType: 'application/json',
    at: 0.68,
    body: (now) =>
      falcon(now, 'ldt:srvdb01agent:9001', HOSTS.criticalServer, '10.10.0.21', 'svc_backup', {
        DetectName: 'Known Malware',
        DetectDescription: 'A file written to disk matches a known Agent Tesla sample.',
        Severity: 5,
        SeverityName: 'Critical',
        Tactic: 'Malware',
        Technique: 'Known Malware',
        PatternId: 10_153,
        FileName: FILES.agentTesla.name,
        SHA256String: FILES.agentTesla.sha256,
        MD5String: FILES.agentTesla.md5,
        CommandLine: `"C:\\ProgramData\\${FILES.agentTesla.name}"`,
      }),
  },
  {
    key: 'ocsf-regresshion',
    scenario: 'vulnerable-server',
    playbook: 'vulnerable_server',
    story: 'regreSSHion on an internal database server: a ticket to its owner, due in 7 days',
    format: 'ocsf',
    contentType: 'application/json',
    at: 0.74,
    body: (now) =>
      json({
        class_uid: 2002,
        category_uid: 2,
        severity_id: 4,
        time: Date.parse(ago(now, 5)),
        finding_info: { uid: 'scan-7781-db02', title: 'OpenSSH signal handler race condition (regreSSHion)' },
        device: { hostname: HOSTS.dbServer, ip: '10.20.0.5' },
        vulnerabilities: [{ cve: { uid: CVES.regresshion }, severity: 'High' }],
      }),
  },
  {
    key: 'elastic-installer',
    scenario: 'malicious-file',
    playbook: 'malicious_file',
    story: 'a harmless installer flagged by Elastic: VirusTotal knows it as clean, nothing is contained',
    format: 'elastic',
    contentType: 'application/json',
    at: 0.8,
    body: (now) =>
      json({
        '@timestamp': ago(now, 2),
        message: 'Malware Detection Alert',
        rule: { id: '9a1a2dae-0b5f-4c3d-8305-a268d404c306', name: 'Malware Detection Alert' },
        event: {
          id: '5e1f6a0c-2b7d-4f1e-9c3a-8d2e4b6a1c90',
          kind: 'alert',
          category: ['malware', 'intrusion_detection', 'file'],
          risk_score: 47,
        },
        host: { name: HOSTS.buildServer, ip: ['10.30.0.7'] },
        user: { name: 'ci-runner' },
        file: {
          name: FILES.installer.name,
          hash: { sha256: FILES.installer.sha256, sha1: FILES.installer.sha1, md5: FILES.installer.md5 },
        },
      }),
  },
  {
    key: 'falcon-shadow-copies',
    scenario: 'ransomware',
    playbook: 'ransomware_activity',
    story: 'shadow copies deleted on a workstation: ransomware containment waits for a manager',
    format: 'crowdstrike',
    contentType: 'application/json',
    at: 0.88,
    body: (now) =>
      falcon(now, 'ldt:ws201agent:5151', HOSTS.ransomWorkstation, '10.20.2.201', 'kim', {
        DetectName: 'Inhibit System Recovery',
        DetectDescription:
          'A process attempted to delete Volume Shadow Copies, as ransomware does before encrypting.',
        Severity: 4,
        SeverityName: 'High',
        Tactic: 'Impact',
        Technique: 'Inhibit System Recovery',
        TechniqueId: 'T1490',
        PatternId: 10_360,
        CommandLine: 'vssadmin.exe delete shadows /all /quiet',
        ParentCommandLine: 'C:\\Users\\kim\\AppData\\Local\\Temp\\svch0st.exe',
      }),
  },
  {
    key: 'wazuh-low-cve',
    scenario: 'vulnerable-server',
    playbook: 'vulnerable_server',
    story: 'a low-severity CVE on a build runner nobody reaches from outside: a ticket due in 90 days',
    format: 'wazuh',
    contentType: 'application/json',
    at: 0.96,
    body: (now) =>
      wazuhVulnerability(
        now,
        '1772447400.2291',
        HOSTS.ciRunner,
        ADDRESSES.ciRunner,
        CVES.passwd,
        'passwd',
        5,
      ),
  },
];

/** The ingest source a format's sample alerts are sent to. */
export const demoSourceName = (format: Format) => `demo-${format}`;
