import { ActionError } from '../../core/action.ts';

/** One entry of CISA's Known Exploited Vulnerabilities catalog (known_exploited_vulnerabilities_schema.json). */
export interface KevEntry {
  cveID: string;
  vendorProject: string | null;
  product: string | null;
  vulnerabilityName: string | null;
  dateAdded: string | null;
  shortDescription: string | null;
  requiredAction: string | null;
  dueDate: string | null;
  /** `Known` or `Unknown`. */
  knownRansomwareCampaignUse: string | null;
  notes: string | null;
  cwes: string[];
}

export interface KevCatalog {
  version: string;
  released: string;
  entries: ReadonlyMap<string, KevEntry>;
  /** Entries without a usable cveID, left out. */
  skipped: number;
  etag: string | null;
  lastModified: string | null;
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v);
const text = (v: unknown): string | null => (typeof v === 'string' && v.trim() !== '' ? v.trim() : null);
const CVE_ID = /^CVE-\d{4}-\d{4,}$/;

function invalid(message: string): ActionError {
  return new ActionError('invalid_response', `the KEV catalog ${message}`, { retryable: false });
}

/** The catalog JSON → entries by CVE id. A file without its version or list is refused whole. */
export function parseKevCatalog(body: unknown, etag: string | null, lastModified: string | null): KevCatalog {
  if (!isObject(body)) throw invalid('is not a JSON object');
  const version = text(body['catalogVersion']);
  const released = text(body['dateReleased']);
  if (version === null || released === null) throw invalid('has no catalogVersion or dateReleased');
  if (!Array.isArray(body['vulnerabilities'])) throw invalid('has no "vulnerabilities" list');
  const entries = new Map<string, KevEntry>();
  let skipped = 0;
  for (const item of body['vulnerabilities']) {
    const id = isObject(item) ? text(item['cveID'])?.toUpperCase() : undefined;
    if (!isObject(item) || !id || !CVE_ID.test(id)) {
      skipped++;
      continue;
    }
    entries.set(id, {
      cveID: id,
      vendorProject: text(item['vendorProject']),
      product: text(item['product']),
      vulnerabilityName: text(item['vulnerabilityName']),
      dateAdded: text(item['dateAdded']),
      shortDescription: text(item['shortDescription']),
      requiredAction: text(item['requiredAction']),
      dueDate: text(item['dueDate']),
      knownRansomwareCampaignUse: text(item['knownRansomwareCampaignUse']),
      notes: text(item['notes']),
      cwes: Array.isArray(item['cwes']) ? item['cwes'].filter((c): c is string => typeof c === 'string') : [],
    });
  }
  return { version, released, entries, skipped, etag, lastModified };
}

interface Slot {
  catalog?: KevCatalog;
  /** When the catalog was last confirmed current (downloaded, or answered 304). */
  checkedAt: number;
  /** After a failed refresh, the stale catalog is served without asking again until then. */
  retryAt: number;
  pending?: Promise<KevCatalog>;
}

/** How long a failed refresh waits before the next try, while the old catalog is served. */
const RETRY_AFTER_FAILURE_MS = 5 * 60_000;

/**
 * The catalog kept in memory per instance: downloaded on first use, asked again (conditionally, with
 * the ETag and Last-Modified it came with) once `maxAgeMs` has passed. Concurrent lookups share one
 * download. When a refresh fails and a catalog is held, that one is served, flagged stale.
 */
export class KevCatalogCache {
  readonly #slots = new Map<string, Slot>();
  readonly #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  async get(
    key: string,
    maxAgeMs: number,
    refresh: (previous: KevCatalog | undefined) => Promise<KevCatalog>,
  ): Promise<{ catalog: KevCatalog; stale: boolean }> {
    let slot = this.#slots.get(key);
    if (!slot) {
      slot = { checkedAt: 0, retryAt: 0 };
      this.#slots.set(key, slot);
    }
    const now = this.#now();
    if (slot.catalog && (now - slot.checkedAt < maxAgeMs || now < slot.retryAt))
      return { catalog: slot.catalog, stale: now - slot.checkedAt >= maxAgeMs };
    const current = slot;
    current.pending ??= refresh(current.catalog).then(
      (catalog) => {
        current.catalog = catalog;
        current.checkedAt = this.#now();
        current.pending = undefined;
        return catalog;
      },
      (error: unknown) => {
        current.pending = undefined;
        if (current.catalog) current.retryAt = this.#now() + RETRY_AFTER_FAILURE_MS;
        throw error;
      },
    );
    try {
      return { catalog: await current.pending, stale: false };
    } catch (error) {
      if (current.catalog) return { catalog: current.catalog, stale: true };
      throw error;
    }
  }
}
