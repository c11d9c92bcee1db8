import type { SignInFacts } from './sign-in-facts.ts';

/** Where an address is, as an offline geolocation lookup answers it. */
export interface Place {
  latitude: number | null;
  longitude: number | null;
  country: string | null;
  asn: number | null;
}

export type Locate = (ip: string) => Promise<Place | null>;

export interface SignInRiskOptions {
  /** Faster than this between two sign-ins is impossible travel (a commercial flight is ~900 km/h). */
  maxSpeedKmh: number;
  /** Closer than this is never impossible travel: geolocation of addresses is coarse. */
  minDistanceKm: number;
  /** MFA fatigue: this many denials, or `mfaPrompts` prompts, within `mfaWindowMs` up to the sign-in. */
  mfaWindowMs: number;
  mfaDenials: number;
  mfaPrompts: number;
}

export const SIGN_IN_RISK_DEFAULTS: SignInRiskOptions = {
  maxSpeedKmh: 1_000,
  minDistanceKm: 300,
  mfaWindowMs: 10 * 60_000,
  mfaDenials: 3,
  mfaPrompts: 5,
};

export interface ResolvedPlace {
  latitude: number | null;
  longitude: number | null;
  city: string | null;
  country: string | null;
  /** `event`: the identity provider's coordinates; `geoip`: an offline lookup of the address. */
  source: 'event' | 'geoip' | null;
}

export interface SignInView {
  alert_id: string;
  at: string;
  ip: string | null;
  location: ResolvedPlace;
  asn: number | null;
  device: string | null;
}

export type Risk = 'high' | 'medium' | 'low';

export interface SignInRisk {
  user: string | null;
  sign_in: SignInView;
  /** The latest successful sign-in of the user before this one, or null. */
  previous: SignInView | null;
  distance_km: number | null;
  hours: number | null;
  /** Null when the distance or the time is unknown, or the time between them is zero. */
  speed_kmh: number | null;
  impossible_travel: boolean;
  new_device: boolean;
  new_asn: boolean;
  mfa_prompts: number;
  mfa_denials: number;
  mfa_fatigue: boolean;
  /** What the alert itself reports (an Entra "Atypical travel" alert …), from its title. */
  vendor_detection: 'impossible_travel' | 'mfa_fatigue' | null;
  /** Successful sign-ins of the user in the window, the baseline for new device and new ASN. */
  known_sign_ins: number;
  signals: string[];
  risk: Risk;
  summary: string;
}

const EARTH_RADIUS_KM = 6371.0088;

/** Great-circle distance (haversine) in kilometres. */
export function distanceKm(
  a: { latitude: number; longitude: number },
  b: { latitude: number; longitude: number },
): number {
  const rad = Math.PI / 180;
  const dLat = (b.latitude - a.latitude) * rad;
  const dLon = (b.longitude - a.longitude) * rad;
  const h =
    Math.sin(dLat / 2) ** 2 +
    Math.cos(a.latitude * rad) * Math.cos(b.latitude * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_KM * Math.asin(Math.min(1, Math.sqrt(h)));
}

const TRAVEL_TITLE = /impossible travel|atypical travel|anomalous travel|infrequent country/i;
const MFA_TITLE =
  /mfa fatigue|push fatigue|mfa (push )?(spam|bomb|flood)|multiple (mfa|push)|suspicious mfa/i;

export function vendorDetection(title: string): SignInRisk['vendor_detection'] {
  if (TRAVEL_TITLE.test(title)) return 'impossible_travel';
  if (MFA_TITLE.test(title)) return 'mfa_fatigue';
  return null;
}

const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;

/** Place and ASN of a sign-in: the provider's own coordinates first, else one lookup per address. */
function placer(locate: Locate | null) {
  const lookups = new Map<string, Promise<Place | null>>();
  const lookup = (ip: string | null) => {
    if (ip === null || locate === null) return Promise.resolve(null);
    let found = lookups.get(ip);
    if (!found) {
      found = locate(ip).catch(() => null);
      lookups.set(ip, found);
    }
    return found;
  };
  return async (facts: SignInFacts): Promise<SignInView> => {
    const needLookup = facts.location === null || facts.asn === null;
    const place = needLookup ? await lookup(facts.ip) : null;
    const fromGeoip = facts.location === null && place?.latitude != null && place.longitude != null;
    const location: ResolvedPlace = facts.location
      ? { ...facts.location, city: facts.city, country: facts.country, source: 'event' }
      : {
          latitude: fromGeoip ? place!.latitude : null,
          longitude: fromGeoip ? place!.longitude : null,
          city: facts.city,
          country: facts.country ?? place?.country ?? null,
          source: fromGeoip ? 'geoip' : null,
        };
    return {
      alert_id: facts.alertId,
      at: facts.at,
      ip: facts.ip,
      location,
      asn: facts.asn ?? place?.asn ?? null,
      device: facts.device,
    };
  };
}

const hasPoint = (p: ResolvedPlace): p is ResolvedPlace & { latitude: number; longitude: number } =>
  p.latitude !== null && p.longitude !== null;

/** At most this many earlier addresses are looked up for their ASN (offline, but not free). */
const MAX_ASN_LOOKUPS = 20;

/**
 * How risky a sign-in is next to the user's earlier ones: impossible travel from the latest
 * successful sign-in, a device or an ASN none of the window's successful sign-ins had, and MFA
 * fatigue from the prompts and denials just before it. `history` holds the user's other events in
 * the window, in any order.
 */
export async function assessSignIn(
  current: SignInFacts,
  history: readonly SignInFacts[],
  options: SignInRiskOptions & { locate: Locate | null; title: string },
): Promise<SignInRisk> {
  const place = placer(options.locate);
  const now = Date.parse(current.at);
  const earlier = history.filter((h) => h.alertId !== current.alertId && Date.parse(h.at) <= now);
  const known = earlier
    .filter((h) => h.kind === 'sign_in' && h.outcome === 'success')
    .sort((a, b) => Date.parse(b.at) - Date.parse(a.at) || b.alertId.localeCompare(a.alertId));

  const signIn = await place(current);
  const previousFacts = known.find((h) => Date.parse(h.at) < now) ?? known[0];
  const previous = previousFacts ? await place(previousFacts) : null;

  let distance: number | null = null;
  let hours: number | null = null;
  let speed: number | null = null;
  if (previous) {
    hours = round((now - Date.parse(previous.at)) / 3_600_000, 2);
    if (previous.ip !== null && previous.ip === signIn.ip) distance = 0;
    else if (hasPoint(signIn.location) && hasPoint(previous.location))
      distance = round(distanceKm(signIn.location, previous.location));
    if (distance !== null && hours > 0) speed = round(distance / hours, 0);
  }
  const impossibleTravel =
    distance !== null &&
    hours !== null &&
    distance >= options.minDistanceKm &&
    (hours <= 0 || distance / hours > options.maxSpeedKmh);

  const devices = new Set(known.map((h) => h.device).filter((d): d is string => d !== null));
  const newDevice = signIn.device !== null && devices.size > 0 && !devices.has(signIn.device);

  const asns = new Set<number>();
  let lookups = 0;
  for (const h of known) {
    if (h.asn !== null) asns.add(h.asn);
    else if (lookups < MAX_ASN_LOOKUPS && h.ip !== null) {
      lookups++;
      const view = await place(h);
      if (view.asn !== null) asns.add(view.asn);
    }
  }
  const newAsn = signIn.asn !== null && asns.size > 0 && !asns.has(signIn.asn);

  const since = now - options.mfaWindowMs;
  const mfa = [current, ...earlier].filter((h) => Date.parse(h.at) >= since);
  const prompts = mfa.filter((h) => h.kind === 'mfa_prompt').length;
  const denials = mfa.filter((h) => h.kind === 'mfa_denied').length;
  const mfaFatigue = denials >= options.mfaDenials || prompts >= options.mfaPrompts;

  const vendor = vendorDetection(options.title);
  const signals = [
    impossibleTravel && 'impossible_travel',
    mfaFatigue && 'mfa_fatigue',
    vendor !== null && `vendor_${vendor}`,
    newDevice && 'new_device',
    newAsn && 'new_asn',
    known.length === 0 && 'no_history',
  ].filter((s): s is string => typeof s === 'string');
  const risk: Risk =
    impossibleTravel || mfaFatigue || vendor !== null ? 'high' : newDevice || newAsn ? 'medium' : 'low';

  return {
    user: current.user,
    sign_in: signIn,
    previous,
    distance_km: distance,
    hours,
    speed_kmh: speed,
    impossible_travel: impossibleTravel,
    new_device: newDevice,
    new_asn: newAsn,
    mfa_prompts: prompts,
    mfa_denials: denials,
    mfa_fatigue: mfaFatigue,
    vendor_detection: vendor,
    known_sign_ins: known.length,
    signals,
    risk,
    summary: summarize(risk, signals, { distance, hours, speed, prompts, denials }, signIn, previous),
  };
}

function where(view: SignInView): string {
  const name = [view.location.city, view.location.country].filter(Boolean).join(', ');
  return `${view.ip ?? 'unknown address'}${name ? ` (${name})` : ''}`;
}

function summarize(
  risk: Risk,
  signals: string[],
  figures: {
    distance: number | null;
    hours: number | null;
    speed: number | null;
    prompts: number;
    denials: number;
  },
  signIn: SignInView,
  previous: SignInView | null,
): string {
  const parts = [`${risk} risk sign-in from ${where(signIn)}`];
  if (previous && figures.distance !== null)
    parts.push(
      `${figures.distance} km from ${where(previous)} ${figures.hours} h earlier` +
        (figures.speed === null ? '' : ` (${figures.speed} km/h)`),
    );
  if (figures.denials + figures.prompts > 0)
    parts.push(`${figures.denials} MFA denial(s) and ${figures.prompts} prompt(s) just before`);
  if (signals.length > 0) parts.push(`signals: ${signals.join(', ')}`);
  return parts.join('; ');
}
