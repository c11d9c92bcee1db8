import { FAKE_ABUSEIPDB_KEY } from '../integrations/abuseipdb/fake-abuseipdb.ts';
import type { FakeCape } from '../integrations/cape/fake-cape.ts';
import type { FakeCrowdStrike } from '../integrations/crowdstrike/fake-crowdstrike.ts';
import type { FakeDefender } from '../integrations/defender/fake-defender.ts';
import { FAKE_GREYNOISE_KEY } from '../integrations/greynoise/fake-greynoise.ts';
import { FAKE_JIRA_EMAIL, FAKE_JIRA_TOKEN, type FakeJira } from '../integrations/jira/fake-jira.ts';
import type { FakeMsGraph } from '../integrations/msgraph/fake-msgraph.ts';
import type { FakeOkta } from '../integrations/okta/fake-okta.ts';
import { FAKE_ROUTING_KEY, type FakePagerDuty } from '../integrations/pagerduty/fake-pagerduty.ts';
import type { FakeServer } from '../integrations/sdk/fake-server.ts';
import { FAKE_SHODAN_KEY } from '../integrations/shodan/fake-shodan.ts';
import { FAKE_SLACK_TOKEN, type FakeSlack } from '../integrations/slack/fake-slack.ts';
import { FAKE_URLSCAN_KEY } from '../integrations/urlscan/fake-urlscan.ts';
import { FAKE_VT_KEY, type FakeVirusTotal } from '../integrations/virustotal/fake-virustotal.ts';
import {
  DEMO_SECRET,
  startEndpointFakes,
  startExposureFakes,
  startReputationFakes,
  startTellerFakes,
} from './demo-fake-servers.ts';
import type { SmtpSink } from './smtp-sink.ts';

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

/** Starts every fake the built-in playbooks reach, seeded with what the demo's alerts name. */
export async function startDemoFakes(): Promise<DemoFakes> {
  const [vt, urlhaus, urlscan, threatfox, abuseipdb, greynoise, cape] = await startReputationFakes();
  const [crowdstrike, defender, okta, msgraph] = await startEndpointFakes();
  const [shodan, nvd, kev] = await startExposureFakes();
  const [jira, slack, pagerduty, smtp] = await startTellerFakes();
  const instances: DemoInstance[] = [
    {
      integration: 'virustotal',
      // A premium key's rate: the demo's lookups should not queue behind the public 4 a minute.
      fields: { base_url: vt.apiBase, api_key: FAKE_VT_KEY, requests_per_minute: '1000' },
    },
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
