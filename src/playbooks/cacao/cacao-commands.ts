/**
 * The commands of a CACAO action step as Riposte steps. Riposte runs what it can run safely itself:
 * `manual` commands become tasks for an analyst, `http-api` and `openc2-http` commands become
 * `web.request` actions (through the outbound guard: SSRF rules, timeouts, size caps). Commands
 * that would execute code on a host (`ssh`, `bash`, `powershell`, `caldera-cmd`, …) or in another
 * tool (`elastic`, `kestrel`, `sigma`, `yara`, `jupyter`) have no executor in Riposte: they become a
 * task asking an analyst to run the command, shown verbatim, and the import says so.
 */
import type { CacaoIssues } from './cacao-issues.ts';
import { pointer } from './cacao-issues.ts';
import type { CacaoCommand, CacaoStep } from './cacao-step.ts';
import { literalText, sequence, single, type RiposteStep, type Segment } from './cacao-segment.ts';
import { textTemplate, type VariableNames } from './cacao-variables.ts';

export interface CommandContext {
  issues: CacaoIssues;
  names: VariableNames;
  /** A step id from a wanted one (the first call answers the id the step's entry already holds). */
  take: (wanted: string) => string;
  agents: Record<string, Record<string, unknown>>;
  targets: Record<string, Record<string, unknown>>;
}

const HTTP_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD'];
const START_LINE = /^([A-Za-z]+)\s+(\S+)(?:\s+(HTTP\/\d(?:\.\d)?))?\s*$/;

function describeEntity(entity: Record<string, unknown> | undefined, id: string): string {
  if (entity === undefined) return id;
  const name = typeof entity['name'] === 'string' ? entity['name'] : id;
  const type = typeof entity['type'] === 'string' ? entity['type'] : 'agent-target';
  const address = entity['address'];
  const parts: string[] = [];
  if (typeof address === 'object' && address !== null)
    for (const [kind, values] of Object.entries(address as Record<string, unknown>))
      if (Array.isArray(values)) parts.push(`${kind} ${values.map(String).join(', ')}`);
  if (typeof entity['port'] === 'string' || typeof entity['port'] === 'number')
    parts.push(`port ${String(entity['port'])}`);
  return `${name} (${type}${parts.length > 0 ? `; ${parts.join('; ')}` : ''})`;
}

function who(step: CacaoStep, ctx: CommandContext): string[] {
  const lines: string[] = [];
  if (step.agent !== null) lines.push(`Agent: ${describeEntity(ctx.agents[step.agent], step.agent)}`);
  if (step.targets.length > 0)
    lines.push(`Targets: ${step.targets.map((t) => describeEntity(ctx.targets[t], t)).join('; ')}`);
  return lines;
}

function withTimeout(riposteStep: RiposteStep, step: CacaoStep): RiposteStep {
  if (step.timeoutMs !== null && step.timeoutMs > 0) riposteStep['timeout'] = `${step.timeoutMs}ms`;
  return riposteStep;
}

/** Assigns the variables an action's out_args name from what a step returned. */
function outSet(
  step: CacaoStep,
  ctx: CommandContext,
  base: string,
  read: (slug: string, index: number) => string | null,
): Segment | null {
  const values: Record<string, string> = {};
  step.outArgs.forEach((name, index) => {
    const slug = ctx.names.slugOf(name);
    const path = pointer(step.path, 'out_args', index);
    if (slug === null) {
      ctx.issues.deviation(path, `out_args names __${name}__, which is not declared`);
      return;
    }
    const expression = read(slug, index);
    if (expression === null) {
      ctx.issues.warning(
        path,
        `__${name}__ is not assigned: a ${step.commands[0]?.type ?? ''} command returns one value`,
      );
      return;
    }
    values[slug] = `\${{ ${expression} }}`;
  });
  if (Object.keys(values).length === 0) return null;
  return single({ id: ctx.take(`${base}_out`), set: values }, false);
}

/** A task asking an analyst to carry out the command, then a check of the answer. */
function taskSegment(
  step: CacaoStep,
  command: CacaoCommand,
  ctx: CommandContext,
  base: string,
  title: string,
): Segment {
  const textOf = (text: string, key: string) =>
    textTemplate(text, ctx.names, ctx.issues, pointer(command.path, key));
  const lines: string[] = [];
  if (command.type === 'manual') {
    if (command.command !== null) lines.push(textOf(command.command, 'command'));
  } else {
    lines.push(
      `Riposte cannot run ${command.type} commands itself. Run this ${command.type} command and report the outcome:`,
    );
    if (command.command !== null) lines.push(['```', textOf(command.command, 'command'), '```'].join('\n'));
  }
  if (command.description !== null) lines.push(textOf(command.description, 'description'));
  if (step.description !== null) lines.push(literalText(step.description));
  lines.push(...who(step, ctx).map(literalText));
  const taskId = ctx.take(base);
  const outNames = step.outArgs
    .map((name) => ctx.names.slugOf(name))
    .filter((slug): slug is string => slug !== null);
  const task: RiposteStep = withTimeout(
    {
      id: taskId,
      task: {
        title: literalText(title),
        description: lines.join('\n\n'),
        assignee: { role: 'analyst' },
        ...(outNames.length > 0
          ? {
              form: outNames.map((slug) => ({
                id: slug,
                label: slug.replaceAll('_', ' '),
                type: 'string',
                required: true,
              })),
            }
          : { choices: ['done', 'failed'] }),
      },
    },
    step,
  );
  if (outNames.length > 0) {
    const out = outSet(step, ctx, base, (slug) => `steps.${taskId}.output.${slug}`);
    return out === null ? single(task) : sequence([single(task), out]);
  }
  const failId = ctx.take(`${base}_failed`);
  const check: RiposteStep = {
    id: ctx.take(`${base}_check`),
    if: `\${{ steps.${taskId}.output.choice == "done" }}`,
    else: failId,
  };
  const fail: RiposteStep = {
    id: failId,
    fail: literalText(`${title}: the analyst reported that it failed`),
  };
  // Explicit, so the block may be reordered (cacao-workflow.ts puts the step leaving the block last).
  task['next'] = check.id;
  return {
    steps: [task, check, fail],
    entry: taskId,
    exits: [{ step: check, key: 'then' }],
    failables: [task],
    failureRoutes: [{ step: check, key: 'else', replaces: failId }],
  };
}

function targetBase(
  step: CacaoStep,
  ctx: CommandContext,
  path: string,
): { url: string; auth: string | null } | null {
  for (const id of step.targets) {
    const target = ctx.targets[id];
    if (target === undefined) continue;
    const address = (target['address'] ?? {}) as Record<string, unknown>;
    const first = (key: string): string | null => {
      const values = address[key];
      return Array.isArray(values) && typeof values[0] === 'string' ? values[0] : null;
    };
    const auth = typeof target['authentication_info'] === 'string' ? target['authentication_info'] : null;
    const url = first('url');
    if (url !== null) return { url: url.replace(/\/$/, ''), auth };
    const host = first('dname') ?? first('ipv4') ?? ((v) => (v === null ? null : `[${v}]`))(first('ipv6'));
    if (host === null) continue;
    const port = String(target['port'] ?? '80');
    const scheme = port === '443' ? 'https' : 'http';
    const portPart =
      (scheme === 'http' && port === '80') || (scheme === 'https' && port === '443') ? '' : `:${port}`;
    return { url: `${scheme}://${host}${portPart}`, auth };
  }
  ctx.issues.error(path, 'an HTTP command needs an absolute URL or a target with an http-api address');
  return null;
}

/** An http-api or openc2-http command as a `web.request` step. */
function httpSegment(
  step: CacaoStep,
  command: CacaoCommand,
  ctx: CommandContext,
  base: string,
): Segment | null {
  const path = pointer(command.path, 'command');
  let method: string;
  let requestTarget: string;
  let body = command.content;
  const headers = { ...command.headers };
  if (command.type === 'openc2-http') {
    method = 'POST';
    requestTarget = '/openc2';
    body = command.content ?? command.command;
    if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type'))
      headers['Content-Type'] = 'application/openc2+json;version=1.0';
  } else {
    const line = command.command ?? '';
    const match = START_LINE.exec(line.trim()) ?? /^([A-Za-z]+)\s+(\S+)/.exec(line.trim());
    if (match === null || !HTTP_METHODS.includes(match[1]!.toUpperCase())) {
      ctx.issues.error(path, `"${line}" is not an HTTP start line such as "GET /api/v1/items HTTP/1.1"`);
      return null;
    }
    if (!START_LINE.test(line.trim()) || match[3] === undefined)
      ctx.issues.deviation(path, `"${line}" is not an HTTP start line (METHOD target HTTP/version)`);
    method = match[1]!.toUpperCase();
    requestTarget = match[2]!;
  }
  let url: string;
  let auth: string | null = null;
  if (/^https?:\/\//i.test(requestTarget)) url = requestTarget;
  else {
    const found = targetBase(step, ctx, path);
    if (found === null) return null;
    auth = found.auth;
    if (!requestTarget.startsWith('/')) {
      ctx.issues.deviation(path, `the request target "${requestTarget}" must start with "/"`);
      requestTarget = `/${requestTarget}`;
    }
    url = `${found.url}${requestTarget}`;
  }
  const id = ctx.take(base);
  const withInput: Record<string, unknown> = {
    method,
    url: textTemplate(url, ctx.names, ctx.issues, path),
    expect: Object.entries(headers).some(([h, v]) => h.toLowerCase() === 'accept' && v.includes('json'))
      ? 'json'
      : 'text',
  };
  if (Object.keys(headers).length > 0)
    withInput['headers'] = Object.fromEntries(
      Object.entries(headers).map(([h, v]) => [
        h,
        textTemplate(v, ctx.names, ctx.issues, pointer(command.path, 'headers', h)),
      ]),
    );
  if (body !== null)
    withInput['body'] = textTemplate(body, ctx.names, ctx.issues, pointer(command.path, 'content'));
  if (auth !== null) {
    const instance = auth.replace(/--.*$/, '').replace(/[^a-z0-9_]+/g, '_');
    withInput['instance'] = instance;
    ctx.issues.warning(
      pointer(step.path, 'targets'),
      `the credentials of ${auth} were not imported: configure a "web" integration instance named "${instance}" with them (they are sealed there, never kept in a playbook)`,
    );
  }
  const request = withTimeout({ id, uses: 'web.request', with: withInput }, step);
  const out = outSet(step, ctx, base, (_slug, index) => (index === 0 ? `steps.${id}.output.body` : null));
  return out === null ? single(request) : sequence([single(request), out]);
}

/** The Riposte steps of an action step's commands, in order. */
export function commandsSegment(step: CacaoStep, ctx: CommandContext, base: string): Segment | null {
  const segments: Segment[] = [];
  step.commands.forEach((command, index) => {
    const name = [step.name, command.description, command.command].find((t) => t?.trim()) ?? step.id;
    const title = step.commands.length > 1 ? `${name} (${index + 1}/${step.commands.length})` : name;
    const commandBase = index === 0 ? base : `${base}_${index + 1}`;
    if (command.type === 'http-api' || command.type === 'openc2-http') {
      const segment = httpSegment(step, command, ctx, commandBase);
      if (segment !== null) segments.push(segment);
      return;
    }
    if (command.type !== 'manual')
      ctx.issues.warning(
        command.path,
        `Riposte does not run ${command.type} commands: imported as a task asking an analyst to run it`,
      );
    segments.push(taskSegment(step, command, ctx, commandBase, title.slice(0, 200)));
  });
  return segments.length === 0 ? null : sequence(segments);
}
