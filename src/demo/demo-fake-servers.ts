import { startFakeAbuseIpdb } from '../integrations/abuseipdb/fake-abuseipdb.ts';
import { startFakeCape } from '../integrations/cape/fake-cape.ts';
import { kevCatalog, kevEntry, startFakeCisaKev } from '../integrations/cisa-kev/fake-cisa-kev.ts';
import { startFakeCrowdStrike } from '../integrations/crowdstrike/fake-crowdstrike.ts';
import { startFakeDefender } from '../integrations/defender/fake-defender.ts';
import { startFakeGreynoise } from '../integrations/greynoise/fake-greynoise.ts';
import { startFakeJira } from '../integrations/jira/fake-jira.ts';
import { startFakeMsGraph } from '../integrations/msgraph/fake-msgraph.ts';
import { cvssMetric, fakeCve, startFakeNvd } from '../integrations/nvd/fake-nvd.ts';
import { startFakeOkta } from '../integrations/okta/fake-okta.ts';
import { startFakePagerDuty } from '../integrations/pagerduty/fake-pagerduty.ts';
import { startFakeShodan } from '../integrations/shodan/fake-shodan.ts';
import { startFakeSlack } from '../integrations/slack/fake-slack.ts';
import { startFakeThreatfox } from '../integrations/threatfox/fake-threatfox.ts';
import { startFakeUrlhaus } from '../integrations/urlhaus/fake-urlhaus.ts';
import { startFakeUrlscan } from '../integrations/urlscan/fake-urlscan.ts';
import { startFakeVirusTotal } from '../integrations/virustotal/fake-virustotal.ts';
import { startSmtpSink } from './smtp-sink.ts';
import { ADDRESSES, CVES, FILES, HOSTS, INVOICE_MAIL, PEOPLE, PHISH } from './demo-world.ts';

/**
 * The fake vendor servers of the demo, seeded with what its sample alerts name (demo-world.ts): the
 * known-bad hashes, links and addresses are malicious, the others clean or unknown.
 */

/** A dummy credential: sealed like a real one, accepted only by its fake. */
export const DEMO_SECRET = (vendor: string) => `demo-${vendor}-key-not-a-real-secret`;

/** Reputation, threat intelligence and the sandbox. */
export function startReputationFakes() {
  return Promise.all([
    startFakeVirusTotal({
      files: [
        {
          content: FILES.agentTesla.content,
          malicious: 58,
          names: [FILES.agentTesla.name],
          threatLabel: 'trojan.agenttesla/msil',
        },
        {
          content: FILES.installer.content,
          harmless: 66,
          names: [FILES.installer.name],
          typeDescription: 'Win32 EXE',
        },
      ],
      urls: {
        [PHISH.url]: { malicious: 14, suspicious: 3, title: 'PayPal - Log in' },
        [INVOICE_MAIL.url]: { harmless: 68 },
      },
      domains: { 'paypa1-secure.example': { malicious: 11 }, 'acme-supplies.example': { harmless: 64 } },
    }),
    startFakeUrlhaus({
      authKey: DEMO_SECRET('urlhaus'),
      urls: [{ url: PHISH.url, status: 'online', threat: 'malware_download', tags: ['phishing', 'paypal'] }],
    }),
    startFakeUrlscan({
      scans: [{ url: PHISH.url, malicious: true, score: 100, brands: ['PayPal'], categories: ['phishing'] }],
    }),
    startFakeThreatfox({
      authKey: DEMO_SECRET('threatfox'),
      iocs: [
        {
          ioc: FILES.agentTesla.sha256,
          iocType: 'sha256_hash',
          threatType: 'payload',
          malware: 'win.agent_tesla',
          malwarePrintable: 'Agent Tesla',
          confidence: 90,
          samples: [FILES.agentTesla.sha256, FILES.agentTesla.md5],
        },
      ],
    }),
    startFakeAbuseIpdb({
      addresses: {
        [ADDRESSES.attacker]: {
          abuseConfidenceScore: 100,
          countryCode: 'RU',
          usageType: 'Data Center/Web Hosting/Transit',
          isp: 'Example Transit',
        },
        [ADDRESSES.c2]: {
          abuseConfidenceScore: 97,
          countryCode: 'NL',
          usageType: 'Data Center/Web Hosting/Transit',
        },
      },
    }),
    startFakeGreynoise({
      addresses: {
        [ADDRESSES.attacker]: {
          noise: true,
          riot: false,
          classification: 'malicious',
          name: 'unknown',
          last_seen: today(),
        },
        [ADDRESSES.researchScanner]: {
          noise: true,
          riot: false,
          classification: 'benign',
          name: 'Censys',
          last_seen: today(),
        },
      },
    }),
    startFakeCape({
      token: DEMO_SECRET('cape'),
      samples: {
        [FILES.stealer.sha256]: {
          name: FILES.stealer.name,
          malscore: 8.7,
          families: ['RedLine'],
          hosts: [ADDRESSES.c2],
          analysed: true,
        },
      },
    }),
  ] as const);
}

/** EDRs, identity providers and the mail (Graph) tenant. */
export function startEndpointFakes() {
  return Promise.all([
    startFakeCrowdStrike({
      clientId: 'demo0crowdstrike0client0id000000',
      clientSecret: DEMO_SECRET('crowdstrike'),
      hosts: [
        { deviceId: 'ws042agent', hostname: HOSTS.workstation },
        { deviceId: 'srvdb01agent', hostname: HOSTS.criticalServer },
        { deviceId: 'ws201agent', hostname: HOSTS.ransomWorkstation },
      ],
      observed: {
        [`sha256:${FILES.agentTesla.sha256}`]: ['ws042agent', 'srvdb01agent'],
        [`md5:${FILES.agentTesla.md5}`]: ['ws042agent', 'srvdb01agent'],
      },
    }),
    startFakeDefender({
      machines: [
        { id: '1e5bc9d7e413ddd7902c2932e418702b84d0cc07', computerDnsName: HOSTS.laptop },
        { id: '4f2e8a0b6c1d3e5f7a9b0c2d4e6f8a1b3c5d7e9f', computerDnsName: HOSTS.fileServer },
      ],
      files: { [FILES.stealer.sha1]: ['1e5bc9d7e413ddd7902c2932e418702b84d0cc07'] },
    }),
    startFakeOkta({
      apiToken: `00${DEMO_SECRET('okta')}`,
      users: [{ id: PEOPLE.jane.oktaId, login: PEOPLE.jane.login, firstName: 'Jane', lastName: 'Doe' }],
    }),
    startFakeMsGraph({
      users: [
        ...PHISH.recipients.map((upn, i) => ({
          id: `00000000-0000-4000-8000-00000000000${i + 1}`,
          userPrincipalName: upn,
          messages: [
            {
              internetMessageId: `<${PHISH.messageId}>`,
              subject: 'Action Required - verify your account',
              from: 'support@paypa1-secure.example',
            },
          ],
        })),
        ...INVOICE_MAIL.recipients.map((upn, i) => ({
          id: `00000000-0000-4000-8000-00000000001${i + 1}`,
          userPrincipalName: upn,
          messages: [
            {
              internetMessageId: `<${INVOICE_MAIL.messageId}>`,
              subject: 'Invoice 2291 overdue - our bank details have changed',
              from: 'billing@acme-supplies.example',
            },
          ],
        })),
        { id: PEOPLE.adele.graphId, userPrincipalName: PEOPLE.adele.upn, displayName: 'Adele Vance' },
        { id: PEOPLE.jdoe.graphId, userPrincipalName: PEOPLE.jdoe.upn, displayName: 'John Doe' },
      ],
    }),
  ] as const);
}

/** Internet exposure and vulnerability data. */
export function startExposureFakes() {
  const cvss = (score: number, severity: string, vector: string) => ({
    cvssMetricV31: [cvssMetric('3.1', score, severity, vector)],
  });
  return Promise.all([
    startFakeShodan({
      hosts: {
        [ADDRESSES.webServer]: {
          hostnames: ['web-01.corp.example'],
          org: 'Example Corp',
          services: [
            { port: 443, product: 'Apache Tomcat', version: '9.0.54', vulns: [CVES.log4shell] },
            { port: 22, product: 'OpenSSH', version: '8.9p1' },
          ],
        },
      },
    }),
    startFakeNvd({
      apiKey: DEMO_SECRET('nvd'),
      cves: [
        fakeCve(CVES.log4shell, {
          description:
            'Apache Log4j2 JNDI features do not protect against attacker controlled LDAP endpoints.',
          metrics: cvss(10, 'CRITICAL', 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H'),
          cwes: ['CWE-502'],
          kev: {
            added: '2021-12-10',
            due: '2021-12-24',
            action: 'Apply updates.',
            name: 'Apache Log4j2 Remote Code Execution Vulnerability',
          },
        }),
        fakeCve(CVES.regresshion, {
          description: 'A signal handler race condition in OpenSSH server (sshd).',
          metrics: cvss(8.1, 'HIGH', 'CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:H/A:H'),
          cwes: ['CWE-364'],
        }),
        fakeCve(CVES.passwd, {
          description:
            'In shadow-utils, passwd can be made to change the password of another user in a rare case.',
          metrics: cvss(3.3, 'LOW', 'CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:N/I:L/A:N'),
          cwes: ['CWE-74'],
        }),
      ],
    }),
    startFakeCisaKev(kevCatalog([kevEntry(CVES.log4shell)])),
  ] as const);
}

/** Where people are told: tickets, chat, paging, mail. */
export function startTellerFakes() {
  return Promise.all([
    startFakeJira({ projects: ['SEC'] }),
    startFakeSlack({ channels: [{ id: 'C0SOCINCIDENTS', name: 'soc-incidents', member: true }] }),
    startFakePagerDuty(),
    startSmtpSink(),
  ] as const);
}

const today = () => new Date().toISOString().slice(0, 10);
