import { imapIntegration } from '../integrations/imap/imap-integration.ts';
import { smtpIntegration } from '../integrations/smtp/smtp-integration.ts';
import { nftablesIntegration } from '../integrations/nftables/nftables-integration.ts';
import { cloudflare } from '../integrations/cloudflare/cloudflare-integration.ts';
import { crowdstrike } from '../integrations/crowdstrike/crowdstrike-integration.ts';
import { defender } from '../integrations/defender/defender-integration.ts';
import { msgraph } from '../integrations/msgraph/msgraph-integration.ts';
import { okta } from '../integrations/okta/okta-integration.ts';
import { jiraIntegration } from '../integrations/jira/jira-integration.ts';
import { pagerDutyIntegration } from '../integrations/pagerduty/pagerduty-integration.ts';
import { serviceNowIntegration } from '../integrations/servicenow/servicenow-integration.ts';
import { slackIntegration } from '../integrations/slack/slack-integration.ts';
import { teamsIntegration } from '../integrations/teams/teams-integration.ts';
import { theHiveIntegration } from '../integrations/thehive/thehive-integration.ts';
import { webhookIntegration as outboundWebhook } from '../integrations/webhook/webhook-integration.ts';
import { abuseipdb } from '../integrations/abuseipdb/abuseipdb-integration.ts';
import { cisaKev } from '../integrations/cisa-kev/cisa-kev-integration.ts';
import { nvd } from '../integrations/nvd/nvd-integration.ts';
import { cape } from '../integrations/cape/cape-integration.ts';
import { geoip } from '../integrations/geoip/geoip-integration.ts';
import { greynoise } from '../integrations/greynoise/greynoise-integration.ts';
import { ldapIntegration } from '../integrations/ldap/ldap-integration.ts';
import { mispIntegration } from '../integrations/misp/misp-integration.ts';
import { otx } from '../integrations/otx/otx-integration.ts';
import { rdapIntegration } from '../integrations/rdap/rdap-integration.ts';
import type { IntegrationDefinition } from '../integrations/sdk/integration.ts';
import { shodan } from '../integrations/shodan/shodan-integration.ts';
import { threatfoxIntegration } from '../integrations/threatfox/threatfox-integration.ts';
import { urlhausIntegration } from '../integrations/urlhaus/urlhaus-integration.ts';
import { urlscan } from '../integrations/urlscan/urlscan-integration.ts';
import { virustotal } from '../integrations/virustotal/virustotal-integration.ts';
import { webIntegration } from '../integrations/web/web-integration.ts';

/** The integrations shipped with Riposte. */
export const BUILTIN_INTEGRATIONS: readonly IntegrationDefinition[] = [
  abuseipdb,
  cisaKev,
  geoip,
  greynoise,
  ldapIntegration,
  mispIntegration,
  nvd,
  otx,
  rdapIntegration,
  shodan,
  threatfoxIntegration,
  urlhausIntegration,
  urlscan,
  virustotal,
  cape,
  webIntegration,
  jiraIntegration,
  serviceNowIntegration,
  theHiveIntegration,
  slackIntegration,
  teamsIntegration,
  pagerDutyIntegration,
  outboundWebhook,
  crowdstrike,
  defender,
  okta,
  msgraph,
  cloudflare,
  nftablesIntegration,
  imapIntegration,
  smtpIntegration,
];
