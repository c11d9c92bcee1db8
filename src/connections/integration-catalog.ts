import { isFormat } from '../core/format.ts';
import { RiposteError } from '../core/riposte-error.ts';
import type { IntegrationDefinition } from '../integrations/sdk/integration.ts';

const SLUG = /^[a-z][a-z0-9_]{0,63}$/;

/** The manifest of an integration: everything a UI needs to draw its forms, without loading its code. */
export function manifestOf(integration: IntegrationDefinition) {
  return {
    id: integration.id,
    name: integration.name,
    version: integration.version,
    categories: integration.categories,
    docs: integration.docs,
    baseUrl: integration.baseUrl,
    auth: { kind: integration.auth.kind },
    rateLimit: integration.rateLimit ?? null,
    credentials: integration.credentials.map((f) => ({
      name: f.name,
      label: f.label,
      secret: f.secret,
      required: f.required,
      description: f.description ?? null,
      default: f.secret ? null : (f.default ?? null),
    })),
    testConnection: integration.testConnection !== undefined,
    actions: integration.actions.map((a) => ({
      id: `${integration.id}.${a.name}`,
      name: a.name,
      title: a.title,
      description: a.description,
      effect: a.effect,
      input: a.input,
      output: a.output ?? null,
      inverse: a.inverse ? `${integration.id}.${a.inverse}` : null,
      timeoutMs: a.timeoutMs ?? null,
      retry: a.retry ?? null,
      cacheTtlSeconds: a.cacheTtlSeconds ?? null,
      enrichment: a.enrichment !== undefined,
    })),
    // Alerts a source can pull from this vendor (`options.pull`, docs/ingest.md).
    feed: integration.feed
      ? {
          format: integration.feed.format,
          title: integration.feed.title,
          pageSize: integration.feed.pageSize,
          overlap: integration.feed.overlap,
          defaultFilter: integration.feed.defaultFilter,
        }
      : null,
  };
}

/** Checks a definition's shape (a third-party package may hand us anything) and names what is wrong. */
export function checkDefinition(value: unknown, origin: string): IntegrationDefinition {
  const fail = (detail: string): never => {
    throw new RiposteError('validation_failed', `${origin}: ${detail}`);
  };
  if (value === null || typeof value !== 'object') return fail('does not export an integration definition');
  const d = value as Partial<IntegrationDefinition>;
  if (typeof d.id !== 'string' || !SLUG.test(d.id)) fail('id must be a lowercase snake slug');
  for (const key of ['name', 'version', 'docs', 'baseUrl'] as const)
    if (typeof d[key] !== 'string') fail(`${key} must be a string`);
  if (!Array.isArray(d.categories)) fail('categories must be a list');
  if (!Array.isArray(d.credentials)) fail('credentials must be a list');
  if (!d.auth || typeof d.auth !== 'object') fail('auth is missing');
  if (!Array.isArray(d.actions) || d.actions.length === 0) fail('actions must be a non-empty list');
  const names = new Set<string>();
  for (const [i, a] of d.actions!.entries()) {
    if (typeof a?.name !== 'string' || !SLUG.test(a.name))
      fail(`actions[${i}].name must be a lowercase snake slug`);
    if (names.has(a.name)) fail(`action ${a.name} is defined twice`);
    names.add(a.name);
    if (!['read', 'write', 'destructive'].includes(a.effect))
      fail(`actions[${i}].effect must be read, write or destructive`);
    if (typeof a.run !== 'function') fail(`actions[${i}].run must be a function`);
    if (!a.input || typeof a.input !== 'object') fail(`actions[${i}].input must be a schema`);
  }
  if (d.feed !== undefined) {
    const f = d.feed;
    if (!f || typeof f !== 'object') fail('feed must be an object');
    if (typeof f.format !== 'string' || !isFormat(f.format)) fail('feed.format must be an ingest format');
    if (typeof f.fetchPage !== 'function' || typeof f.describe !== 'function')
      fail('feed.fetchPage and feed.describe must be functions');
    const size = f.pageSize as { default?: unknown; max?: unknown } | undefined;
    if (
      !Number.isInteger(size?.default) ||
      !Number.isInteger(size?.max) ||
      (size!.default as number) < 1 ||
      (size!.default as number) > (size!.max as number)
    )
      fail('feed.pageSize must be { default, max }, whole numbers with 1 ≤ default ≤ max');
  }
  return d as IntegrationDefinition;
}

/** The integrations this process knows: the built-in ones and those loaded from npm packages. */
export class IntegrationCatalog {
  readonly #byId = new Map<string, IntegrationDefinition>();

  constructor(definitions: readonly IntegrationDefinition[]) {
    for (const d of definitions) this.add(d);
  }

  add(definition: IntegrationDefinition): void {
    if (this.#byId.has(definition.id)) throw new Error(`integration ${definition.id} is registered twice`);
    this.#byId.set(definition.id, definition);
  }

  /** Imports each package; its default export (or `integrations`) is one definition or a list of them. */
  async loadPackages(packages: readonly string[]): Promise<IntegrationDefinition[]> {
    const loaded: IntegrationDefinition[] = [];
    for (const name of packages) {
      let module: Record<string, unknown>;
      try {
        module = (await import(name)) as Record<string, unknown>;
      } catch (error) {
        throw new RiposteError(
          'validation_failed',
          `integration package ${name} cannot be loaded: ${(error as Error).message}`,
          {
            path: 'RIPOSTE_INTEGRATIONS',
          },
        );
      }
      const exported = module['integrations'] ?? module['default'];
      for (const [i, value] of (Array.isArray(exported) ? exported : [exported]).entries()) {
        const definition = checkDefinition(
          value,
          `integration package ${name}${Array.isArray(exported) ? `[${i}]` : ''}`,
        );
        this.add(definition);
        loaded.push(definition);
      }
    }
    return loaded;
  }

  get(id: string): IntegrationDefinition {
    const found = this.#byId.get(id);
    if (!found) throw new RiposteError('not_found', `no integration "${id}"`);
    return found;
  }

  list(): IntegrationDefinition[] {
    return [...this.#byId.values()].sort((a, b) => a.id.localeCompare(b.id));
  }
}
