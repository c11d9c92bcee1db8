/** The ingest formats a source can declare (`riposte source create --format …`). */
export const FORMATS = [
  'suricata',
  'zeek',
  'wazuh',
  'elastic',
  'sentinel',
  'defender',
  'guardduty',
  'crowdstrike',
  'okta',
  'splunk',
  'ocsf',
  'cef',
  'leef',
  'email',
  'generic',
] as const;
export type Format = (typeof FORMATS)[number];

export function isFormat(value: string): value is Format {
  return (FORMATS as readonly string[]).includes(value);
}
