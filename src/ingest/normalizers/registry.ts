import type { Format } from '../../core/format.ts';
import type { Normalizer } from '../normalizer.ts';
import { cef } from './cef.ts';
import { crowdstrike } from './crowdstrike.ts';
import { defender } from './defender.ts';
import { elastic } from './elastic.ts';
import { email } from './email.ts';
import { generic } from './generic.ts';
import { guardduty } from './guardduty.ts';
import { leef } from './leef.ts';
import { ocsf } from './ocsf.ts';
import { okta } from './okta.ts';
import { sentinel } from './sentinel.ts';
import { splunk } from './splunk.ts';
import { suricata } from './suricata.ts';
import { wazuh } from './wazuh.ts';
import { zeek } from './zeek.ts';

/** One normalizer per format; the `satisfies` makes a new format a compile error until it has one. */
export const NORMALIZERS = {
  suricata,
  zeek,
  wazuh,
  elastic,
  sentinel,
  defender,
  guardduty,
  crowdstrike,
  okta,
  splunk,
  ocsf,
  cef,
  leef,
  email,
  generic,
} as const satisfies Record<Format, Normalizer>;

export function normalizerFor(format: Format): Normalizer {
  return NORMALIZERS[format];
}
