import type { FastifyInstance } from 'fastify';
import type { Riposte } from '../../riposte.ts';
import { checkAlertLimit, MAX_ALERT_LIMIT_PER_MINUTE } from '../../core/alert-limit.ts';
import type { TenantService } from '../../tenants/tenant-service.ts';
import { actorOf } from '../auth-hooks.ts';
import { ADMIN } from '../route-auth.ts';

const slugParams = {
  type: 'object',
  properties: { slug: { type: 'string', maxLength: 64 } },
  required: ['slug'],
} as const;

/**
 * The main installation's tenants (docs/tenants.md). Only the main installation has these routes:
 * a tenant's admins manage their tenant, never the list of tenants.
 */
export function tenantRoutes(app: FastifyInstance, riposte: Riposte): void {
  const tenants: TenantService | undefined = riposte.tenants;
  if (!tenants) return;
  const view = <T extends { slug: string }>(tenant: T) => ({ ...tenant, url: tenants.url(tenant.slug) });
  app.get(
    '/api/v1/tenants',
    {
      config: { auth: ADMIN },
      schema: {
        summary:
          'List the tenants: slug, name, status (active, disabled, provisioning) and the URL each is served at',
        tags: ['tenants'],
      },
    },
    async () => ({ items: (await tenants.registry.list()).map(view), domain: riposte.config.tenantDomain }),
  );
  app.post<{ Body: { slug: string; name: string; admin?: string } }>(
    '/api/v1/tenants',
    {
      config: { auth: ADMIN },
      schema: {
        summary: 'Create a tenant: its own database, served at <slug>.<tenant domain>, with a first admin',
        description:
          "Answers with the first admin's password, once (`admin.password`); the tenant's admins manage its users from then on. " +
          'A slug is 2–30 lower-case letters, digits and dashes, starting with a letter. Audited as `tenant.create` in the main installation.',
        tags: ['tenants'],
        body: {
          type: 'object',
          properties: {
            slug: { type: 'string', maxLength: 64 },
            name: { type: 'string', maxLength: 1000 },
            admin: {
              type: 'string',
              maxLength: 128,
              description: "The first admin's username (default admin)",
            },
          },
          required: ['slug', 'name'],
          additionalProperties: false,
        },
      },
    },
    async (request, reply) => {
      const { slug, name, admin } = request.body;
      const made = await tenants.create(
        { slug, name, ...(admin === undefined ? {} : { adminUsername: admin }) },
        actorOf(request),
      );
      return reply.code(201).send({ tenant: view(made.tenant), admin: made.admin });
    },
  );
  app.patch<{
    Params: { slug: string };
    Body: { disabled?: boolean; alertLimitPerMinute?: number | null };
  }>(
    '/api/v1/tenants/:slug',
    {
      config: { auth: ADMIN },
      schema: {
        summary:
          "Disable a tenant (no longer served, its data kept) or enable it again; set its sources' alert limit",
        description:
          'Answered once this process has closed (or opened) the tenant, or applied the limit; other processes follow within 10 s. ' +
          'Audited as `tenant.disable` / `tenant.enable`, and `tenant.update` for the limit.',
        tags: ['tenants'],
        params: slugParams,
        body: {
          type: 'object',
          properties: {
            disabled: { type: 'boolean' },
            alertLimitPerMinute: {
              type: ['integer', 'null'],
              description: `the alerts a minute all the tenant's sources together may send (1–${MAX_ALERT_LIMIT_PER_MINUTE}, per server process); past it a post is answered 429 with Retry-After and nothing of it stored, and syslog and pulled batches wait; null: no limit`,
            },
          },
          minProperties: 1,
          additionalProperties: false,
        },
      },
    },
    async (request) => {
      const { slug } = request.params;
      const { disabled, alertLimitPerMinute } = request.body;
      // Both checked before either is changed: a refused request changes nothing.
      if (alertLimitPerMinute !== undefined) checkAlertLimit(alertLimitPerMinute);
      let tenant = await tenants.registry.require(slug);
      if (disabled !== undefined) tenant = await tenants.setDisabled(slug, disabled, actorOf(request));
      if (alertLimitPerMinute !== undefined)
        tenant = await tenants.setAlertLimit(slug, alertLimitPerMinute, actorOf(request));
      return view(tenant);
    },
  );
  app.delete<{ Params: { slug: string } }>(
    '/api/v1/tenants/:slug',
    {
      config: { auth: ADMIN },
      schema: {
        summary: 'Delete a disabled tenant and every record it has (its database is dropped)',
        description:
          '409 `invalid_state` while the tenant is active: disable it first. Audited as `tenant.delete`.',
        tags: ['tenants'],
        params: slugParams,
      },
    },
    async (request, reply) => {
      await tenants.delete(request.params.slug, actorOf(request));
      return reply.code(204).send();
    },
  );
}
