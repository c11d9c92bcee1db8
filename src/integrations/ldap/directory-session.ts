import { Attribute, Change, Client } from 'ldapts';
import { ActionError } from '../../core/action.ts';
import { type DirectoryEntry, directoryEntry } from './directory-entry.ts';
import { alreadyInState, ldapError } from './ldap-error.ts';
import { type LdapSettings, ldapSettings } from './ldap-settings.ts';

export interface SearchOptions {
  filter: string;
  attributes: string[];
  scope?: 'base' | 'one' | 'sub';
  /** Most entries wanted; the server stops with sizeLimitExceeded past it. */
  sizeLimit?: number;
}

/**
 * One attribute's change. A modify carrying one change is atomic and either applies or fails whole,
 * so a refusal that means "already so" can be told apart from one that means "not done".
 */
export interface DirectoryChange {
  operation: 'add' | 'delete' | 'replace';
  attribute: string;
  /** For delete: the values to remove, or none to remove the attribute. */
  values: string[];
}

/** A bound connection to the instance's directory, for the length of one action. */
export interface DirectorySession {
  settings: LdapSettings;
  search(base: string, options: SearchOptions): Promise<DirectoryEntry[]>;
  /** The entry at `dn`, or null when there is none. */
  read(dn: string, attributes: string[]): Promise<DirectoryEntry | null>;
  /**
   * The one entry under the base DN that `filter` matches, or null for none. More than one fails
   * `ambiguous`, naming them (`what` they are, and `hint` on what to pass instead): two people behind
   * one name is not something to guess about in an incident.
   */
  findOne(filter: string, attributes: string[], what: string, hint?: string): Promise<DirectoryEntry | null>;
  /**
   * Applies one change to the entry at `dn`. Resolves false when the server answers that the entry
   * is already in that state (the value to add is there, the one to delete is not), so a retried
   * modify neither fails nor applies twice.
   */
  modify(dn: string, change: DirectoryChange): Promise<boolean>;
}

function client(settings: LdapSettings): Client {
  return new Client({
    url: settings.url,
    connectTimeout: settings.timeoutMs,
    timeout: settings.timeoutMs,
    // ldapts switches to TLS whenever tlsOptions is given, so only ldaps:// gets them.
    ...(/^ldaps:/i.test(settings.url)
      ? {
          tlsOptions: { minVersion: 'TLSv1.2' as const, ...(settings.tlsCa ? { ca: [settings.tlsCa] } : {}) },
        }
      : {}),
  });
}

function session(ldap: Client, settings: LdapSettings): DirectorySession {
  const timeLimit = Math.max(1, Math.ceil(settings.timeoutMs / 1000));
  const search: DirectorySession['search'] = async (base, options) => {
    try {
      const { searchEntries } = await ldap.search(base, {
        scope: options.scope ?? 'sub',
        filter: options.filter,
        attributes: options.attributes,
        sizeLimit: options.sizeLimit ?? 0,
        timeLimit,
      });
      return searchEntries.map(directoryEntry);
    } catch (error) {
      throw ldapError(error, settings, `search ${base} for ${options.filter}`);
    }
  };
  return {
    settings,
    search,
    read: async (dn, attributes) => {
      try {
        const [entry] = await search(dn, { scope: 'base', filter: '(objectClass=*)', attributes });
        return entry ?? null;
      } catch (error) {
        if (error instanceof ActionError && error.code === 'not_found') return null;
        throw error;
      }
    },
    findOne: async (filter, attributes, what, hint) => {
      const entries = await search(settings.baseDn, { filter, attributes, sizeLimit: 5 });
      if (entries.length > 1)
        throw new ActionError(
          'ambiguous',
          `${entries.length} ${what} match ${filter}: ${entries.map((e) => e.dn).join('; ')}${hint ? `; ${hint}` : ''}`,
          { retryable: false },
        );
      return entries[0] ?? null;
    },
    modify: async (dn, { operation, attribute, values }) => {
      try {
        await ldap.modify(
          dn,
          new Change({ operation, modification: new Attribute({ type: attribute, values }) }),
        );
        return true;
      } catch (error) {
        if (alreadyInState(error, operation)) return false;
        throw ldapError(error, settings, `${operation} ${attribute} of ${dn}`);
      }
    },
  };
}

/**
 * Connects, binds with the instance's service account, runs `work` and unbinds, whatever happens.
 * The step's signal cuts the wait short: the connection is dropped and the step sees `cancelled`.
 */
export async function withDirectory<T>(
  fields: Readonly<Record<string, string>>,
  signal: AbortSignal,
  work: (directory: DirectorySession) => Promise<T>,
): Promise<T> {
  const settings = ldapSettings(fields);
  const ldap = client(settings);
  let onAbort = () => {};
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () =>
      reject(new ActionError('cancelled', 'the directory operation was cancelled', { retryable: false }));
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
  aborted.catch(() => {});
  const run = async () => {
    try {
      await ldap.bind(settings.bindDn, settings.bindPassword);
    } catch (error) {
      throw ldapError(error, settings, `bind as ${settings.bindDn}`);
    }
    return work(session(ldap, settings));
  };
  try {
    return await Promise.race([run(), aborted]);
  } finally {
    signal.removeEventListener('abort', onAbort);
    // unbind also closes the socket; a server already gone must not turn the result into an error.
    await ldap.unbind().catch(() => {});
  }
}
