import { FAKE_ABUSEIPDB_KEY, startFakeAbuseIpdb } from '../integrations/abuseipdb/fake-abuseipdb.ts';
import { startFakeCape, type FakeCape } from '../integrations/cape/fake-cape.ts';
import { kevCatalog, kevEntry, startFakeCisaKev } from '../integrations/cisa-kev/fake-cisa-kev.ts';
import { startFakeCrowdStrike, type FakeCrowdStrike } from '../integrations/crowdstrike/fake-crowdstrike.ts';
import { startFakeDefender, type FakeDefender } from '../integrations/defender/fake-defender.ts';
import { FAKE_GREYNOISE_KEY, startFakeGreynoise } from '../integrations/greynoise/fake-greynoise.ts';
import {
  FAKE_JIRA_EMAIL,
  FAKE_JIRA_TOKEN,
  startFakeJira,
  type FakeJira,
} from '../integrations/jira/fake-jira.ts';
import { startFakeMsGraph, type FakeMsGraph } from '../integrations/msgraph/fake-msgraph.ts';
import { cvssMetric, fakeCve, startFakeNvd } from '../integrations/nvd/fake-nvd.ts';
import { startFakeOkta, type FakeOkta } from '../integrations/okta/fake-okta.ts';
import {
  FAKE_ROUTING_KEY,
  startFakePagerDuty,
  type FakePagerDuty,
} from '../integrations/pagerduty/fake-pagerduty.ts';
import type { FakeServer } from '../integrations/sdk/fake-server.ts';
import { FAKE_SHODAN_KEY, startFakeShodan } from '../integrations/shodan/fake-shodan.ts';
import { FAKE_SLACK_TOKEN, startFakeSlack, type FakeSlack } from '../integrations/slack/fake-slack.ts';
import { startFakeThreatfox } from '../integrations/threatfox/fake-threatfox.ts';
import { startFakeUrlhaus } from '../integrations/urlhaus/fake-urlhaus.ts';
import { FAKE_URLSCAN_KEY, startFakeUrlscan } from '../integrations/urlscan/fake-urlscan.ts';
import {
  FAKE_VT_KEY,
  startFakeVirusTotal,
  type FakeVirusTotal,
} from '../integrations/virustotal/fake-virustotal.ts';
import { startSmtpSink, type SmtpSink } from './smtp-sink.ts';
import { ADDRESSES, CVES, FILES, HOSTS, INVOICE_MAIL, PEOPLE, PHISH } from './demo-world.ts';

/** One instance per integration: the fields it is configured with, pointing at its fake. */
export interface DemoInstance {
  integration: string;
  fields: Record<string, string>;
}

/** The running fakes the demo's story touches, for the e2e test to read what they were asked. */
export interface DemoFakes {
  virustotal: FakeVirusTotal;
  crowdstrike: FakeCrowdStrike;
  defender: FakeDefender;
  msgraph: FakeMsGraph;
  okta: FakeOkta;
  jira: FakeJira;
  slack: FakeSlack;
  pagerduty: FakePagerDuty;
  cape: FakeCape;
  smtp: SmtpSink;
  instances: DemoInstance[];
  /** The loopback ports the integrations may reach (the SSRF guard's allow list). */
  allow: string[];
  close(): Promise<void>;
}

const DEMO_SECRET = (vendor: string) => `demo-${vendor}-key-not-a-real-secret`;

function reputation() {
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

function endpoints() {
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
        ...[PHISH.reporter, ...PHISH.recipients].map((upn, i) => ({
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
        ...[INVOICE_MAIL.reporter, ...INVOICE_MAIL.recipients].map((upn, i) => ({
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

function exposure() {
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

function tellers() {
  return Promise.all([
    startFakeJira({ projects: ['SEC'] }),
    startFakeSlack({ channels: [{ id: 'C0SOCINCIDENTS', name: 'soc-incidents', member: true }] }),
    startFakePagerDuty(),
    startSmtpSink(),
  ] as const);
}

const today = () => new Date().toISOString().slice(0, 10);

/** Starts every fake the built-in playbooks reach, seeded with what the demo's alerts name. */
export async function startDemoFakes(): Promise<DemoFakes> {
  const [vt, urlhaus, urlscan, threatfox, abuseipdb, greynoise, cape] = await reputation();
  const [crowdstrike, defender, okta, msgraph] = await endpoints();
  const [shodan, nvd, kev] = await exposure();
  const [jira, slack, pagerduty, smtp] = await tellers();
  const instances: DemoInstance[] = [
    { integration: 'virustotal', fields: { base_url: vt.apiBase, api_key: FAKE_VT_KEY } },
    { integration: 'urlhaus', fields: { base_url: urlhaus.url, auth_key: DEMO_SECRET('urlhaus') } },
    { integration: 'urlscan', fields: { base_url: urlscan.apiBase, api_key: FAKE_URLSCAN_KEY } },
    { integration: 'threatfox', fields: { base_url: threatfox.url, auth_key: DEMO_SECRET('threatfox') } },
    { integration: 'abuseipdb', fields: { base_url: abuseipdb.baseUrl, api_key: FAKE_ABUSEIPDB_KEY } },
    { integration: 'greynoise', fields: { base_url: greynoise.baseUrl, api_key: FAKE_GREYNOISE_KEY } },
    { integration: 'cape', fields: { base_url: cape.url, api_token: DEMO_SECRET('cape') } },
    {
      integration: 'crowdstrike',
      fields: {
        base_url: crowdstrike.url,
        client_id: crowdstrike.clientId,
        client_secret: crowdstrike.clientSecret,
      },
    },
    {
      integration: 'defender',
      fields: {
        base_url: defender.url,
        tenant_id: defender.tenantId,
        client_id: defender.clientId,
        client_secret: defender.clientSecret,
        token_url: defender.tokenUrl,
      },
    },
    { integration: 'okta', fields: { base_url: okta.url, api_token: okta.apiToken } },
    {
      integration: 'msgraph',
      fields: {
        base_url: msgraph.url,
        tenant_id: msgraph.tenantId,
        client_id: msgraph.clientId,
        client_secret: msgraph.clientSecret,
        token_url: msgraph.tokenUrl,
      },
    },
    { integration: 'shodan', fields: { base_url: shodan.url, api_key: FAKE_SHODAN_KEY } },
    { integration: 'nvd', fields: { base_url: nvd.url, api_key: DEMO_SECRET('nvd') } },
    { integration: 'cisa_kev', fields: { base_url: kev.url } },
    {
      integration: 'jira',
      fields: { base_url: jira.url, email: FAKE_JIRA_EMAIL, api_token: FAKE_JIRA_TOKEN },
    },
    { integration: 'slack', fields: { base_url: slack.baseUrl, bot_token: FAKE_SLACK_TOKEN } },
    { integration: 'pagerduty', fields: { base_url: pagerduty.url, routing_key: FAKE_ROUTING_KEY } },
    {
      integration: 'smtp',
      fields: { host: smtp.host, port: String(smtp.port), from: 'Riposte SOC <soc@corp.example>' },
    },
  ];
  const servers: FakeServer[] = [
    vt,
    urlhaus,
    urlscan,
    threatfox,
    abuseipdb,
    greynoise,
    cape,
    crowdstrike,
    defender,
    okta,
    msgraph,
    shodan,
    nvd,
    kev,
    jira,
    slack,
    pagerduty,
  ];
  return {
    virustotal: vt,
    crowdstrike,
    defender,
    msgraph,
    okta,
    jira,
    slack,
    pagerduty,
    cape,
    smtp,
    instances,
    allow: servers.map((s) => new URL(s.url).host),
    async close() {
      await Promise.all([...servers.map((s) => s.close()), smtp.close()]);
    },
  };
}
