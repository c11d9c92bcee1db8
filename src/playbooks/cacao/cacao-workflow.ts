/**
 * A CACAO workflow (a graph of steps pointing at each other) as Riposte blocks (lists of steps that
 * route within themselves). The main flow is the main block; each branch of a parallel step is a
 * block of its own that ends where the branch reaches an end step. The branches of an if- or
 * switch-condition stay in the block of the condition: when the condition has an on_completion, an
 * end step reached inside a branch leads there, as CACAO 2.0 says; otherwise the branch simply
 * flows on. A Riposte run always ends, so a workflow that loops is refused.
 */
import { pointer } from './cacao-issues.ts';
import type { CacaoPlaybook } from './cacao-document.ts';
import type { CacaoStep } from './cacao-step.ts';
import { commandsSegment, type CommandContext } from './cacao-commands.ts';
import { riposteStepSegment } from './cacao-riposte-step.ts';
import {
  literalText,
  sequence,
  single,
  slugify,
  type RiposteStep,
  type Segment,
  type StepIds,
} from './cacao-segment.ts';
import { stixConditionToCel, StixConditionError } from './stix-condition.ts';
import { closeBlock, END, type Block, type Route } from './cacao-blocks.ts';
import { findCycle, reachable } from './cacao-graph.ts';

export interface WorkflowContext extends Omit<CommandContext, 'take'> {
  ids: StepIds;
  playbook: CacaoPlaybook;
  /** The Riposte id of an imported CACAO playbook, or null when it has not been imported. */
  resolvePlaybook: (cacaoId: string) => string | null;
}

const ROOT: Route = { continuation: null, parent: null, key: '' };

/** The most turns a CACAO while-condition takes in Riposte. */
export const WHILE_LIMIT = 100;

export class WorkflowTranslator {
  readonly #ctx: WorkflowContext;
  readonly #steps: Map<string, CacaoStep>;
  readonly #bases = new Map<string, string>();
  readonly #ends = new Map<string, string>();

  constructor(ctx: WorkflowContext) {
    this.#ctx = ctx;
    this.#steps = ctx.playbook.steps;
  }

  /** The main block, or null when the workflow cannot be translated (the issues say why). */
  translate(): RiposteStep[] | null {
    const cycle = findCycle(this.#steps, this.#ctx.playbook.start);
    if (cycle !== null) {
      const names = cycle.map((id) => `"${this.#steps.get(id)?.name ?? id}"`).join(' → ');
      this.#ctx.issues.error(
        pointer('/workflow', cycle[0]!),
        `the workflow loops (${names}): a Riposte run always ends, so a loop must be a for_each over a list`,
      );
      return null;
    }
    const main = this.#block(true, 'main', this.#ctx.playbook.start, new Set());
    return this.#ctx.issues.errors.length > 0 ? null : main;
  }

  #base(id: string): string {
    let base = this.#bases.get(id);
    if (base === undefined) {
      const step = this.#steps.get(id);
      const fallback = `${(step?.type ?? 'step').replace('-', '_')}_${id.split('--')[1]?.slice(0, 8) ?? ''}`;
      base = slugify(step?.name ?? '', slugify(fallback, 'step'), 40);
      this.#bases.set(id, base);
    }
    return base;
  }

  #block(main: boolean, name: string, entry: string, joins: Set<string>): RiposteStep[] {
    const block: Block = { main, name, steps: [], ends: [], done: new Map(), queue: [], joins };
    const first = this.#ref(entry, ROOT, block);
    while (block.queue.length > 0) {
      const { id, route } = block.queue.shift()!;
      this.#translateStep(id, route, block);
    }
    if (first === END && block.steps.length === 0) return [];
    return closeBlock(block, this.#ctx.ids);
  }

  /** The Riposte id that a reference to a CACAO step leads to in this block and route. */
  #ref(target: string | null, route: Route, block: Block, seen = new Set<string>()): string {
    if (target === null)
      return route.continuation === null
        ? END
        : this.#ref(route.continuation, route.parent ?? ROOT, block, seen);
    if (block.joins.has(target)) return END;
    const step = this.#steps.get(target);
    if (step === undefined || seen.has(target)) return END;
    seen.add(target);
    if (step.type === 'start') return this.#ref(step.onSuccess, route, block, seen);
    if (step.type === 'end') {
      if (route.continuation !== null)
        return this.#ref(route.continuation, route.parent ?? ROOT, block, seen);
      if (!block.main) return END;
      let id = this.#ends.get(target);
      if (id === undefined) {
        id = this.#ctx.ids.take(this.#base(target));
        this.#ends.set(target, id);
        block.ends.push({ id, end: true });
      }
      return id;
    }
    const done = block.done.get(target);
    if (done !== undefined) {
      if (done.route !== route.key)
        this.#ctx.issues.error(
          step.path,
          'this step is reached both inside the branches of a condition that has on_completion and outside them; give each branch its own steps and end step',
        );
      return done.entry;
    }
    const entry = this.#ctx.ids.take(this.#base(target));
    block.done.set(target, { entry, route: route.key });
    block.queue.push({ id: target, route });
    return entry;
  }

  #translateStep(id: string, route: Route, block: Block): void {
    const step = this.#steps.get(id)!;
    const entry = block.done.get(id)!.entry;
    const errorsBefore = this.#ctx.issues.errors.length;
    const segment = this.#segment(step, route, block, entry);
    if (segment === null) {
      // Every way to no segment reports why; a step left out silently would leave routes to nowhere.
      if (this.#ctx.issues.errors.length === errorsBefore)
        this.#ctx.issues.error(step.path, 'this step could not be translated');
      return;
    }
    const success = this.#ref(step.onSuccess, route, block);
    for (const exit of segment.exits) exit.step[exit.key] = success;
    let failure: string | null = null;
    if (step.onFailure !== null) failure = this.#ref(step.onFailure, route, block);
    else if (block.main && this.#ctx.playbook.exception !== null) {
      const exception = this.#steps.get(this.#ctx.playbook.exception);
      // An exception "handler" that is only an end step would turn a failure into a success: let it fail.
      if (exception !== undefined && exception.type !== 'end' && exception.id !== id)
        failure = this.#ref(exception.id, ROOT, block);
    }
    if (failure !== null) {
      for (const failable of segment.failables) failable['on_error'] = failure;
      const dropped = new Set<string>();
      for (const route of segment.failureRoutes ?? []) {
        route.step[route.key] = failure;
        dropped.add(route.replaces);
      }
      segment.steps = segment.steps.filter((s) => !dropped.has(s.id));
    }
    block.steps.push(...segment.steps);
  }

  /** The steps a CACAO step becomes; the first has the id `entry`. */
  #segment(step: CacaoStep, route: Route, block: Block, entry: string): Segment | null {
    const ctx = this.#ctx;
    const base = this.#base(step.id);
    const parts: Segment[] = [];
    // The entry id is taken already: the first step claims it, the others take their own.
    let claimed = false;
    const take = (wanted: string): string => {
      if (!claimed) {
        claimed = true;
        return entry;
      }
      return ctx.ids.take(wanted);
    };
    const idFor = (suffix: string): string => take(`${base}_${suffix}`);
    if (step.delayMs !== null && step.delayMs > 0)
      parts.push(single({ id: idFor('delay'), wait: { delay: `${step.delayMs}ms` } }));
    const assigned = step.variables.filter((v) => v.value !== null);
    if (assigned.length > 0)
      parts.push(
        single(
          {
            id: idFor('vars'),
            set: Object.fromEntries(assigned.map((v) => [ctx.names.slugOf(v.name)!, literalText(v.value!)])),
          },
          false,
        ),
      );
    const main = this.#kindSegment(step, route, block, base, idFor, take);
    if (main === null) return null;
    parts.push(main);
    return sequence(parts);
  }

  #kindSegment(
    step: CacaoStep,
    route: Route,
    block: Block,
    base: string,
    idFor: (suffix: string) => string,
    take: (wanted: string) => string,
  ): Segment | null {
    const ctx = this.#ctx;
    if (step.riposte !== null && (step.type === 'action' || step.type === 'playbook-action'))
      return riposteStepSegment(step, ctx.issues, take, (t) => this.#ref(t, route, block));
    switch (step.type) {
      case 'action':
        return commandsSegment(step, { ...ctx, take }, base);
      case 'playbook-action': {
        const playbook = step.playbookId === null ? null : ctx.resolvePlaybook(step.playbookId);
        if (playbook === null) {
          ctx.issues.error(
            pointer(step.path, 'playbook_id'),
            `playbook ${step.playbookId ?? ''} has not been imported: import it first, then this one`,
          );
          return null;
        }
        const args: Record<string, string> = {};
        for (const name of step.inArgs) {
          const slug = ctx.names.slugOf(name);
          if (slug === null)
            ctx.issues.deviation(
              pointer(step.path, 'in_args'),
              `in_args names __${name}__, which is not declared`,
            );
          else args[slug] = `\${{ ${ctx.names.refOf(name)!} }}`;
        }
        const id = idFor('run');
        const call: RiposteStep = { id, playbook, ...(Object.keys(args).length > 0 ? { with: args } : {}) };
        if (step.timeoutMs !== null && step.timeoutMs > 0) call['timeout'] = `${step.timeoutMs}ms`;
        const outs: Record<string, string> = {};
        for (const name of step.outArgs) {
          const slug = ctx.names.slugOf(name);
          if (slug !== null) outs[slug] = `\${{ steps.${id}.output.${slug} }}`;
        }
        return Object.keys(outs).length === 0
          ? single(call)
          : sequence([single(call), single({ id: ctx.ids.take(`${base}_out`), set: outs }, false)]);
      }
      case 'if-condition': {
        const condition = this.#condition(step);
        if (condition === null) return null;
        const inner = this.#innerRoute(step, route);
        const riposteStep: RiposteStep = {
          id: idFor('check'),
          if: `\${{ ${condition} }}`,
          then: this.#ref(step.onTrue, inner, block),
          else: this.#ref(step.onFalse, inner, block),
        };
        // Where the branches come back to is the condition's on_completion; nothing else follows it.
        return { steps: [riposteStep], entry: riposteStep.id, exits: [], failables: [riposteStep] };
      }
      case 'switch-condition': {
        const cel = step.riposte?.['cel'];
        const variable = /^__([A-Za-z][A-Za-z0-9_-]*)__:value$/.exec(step.switchOn?.trim() ?? '');
        const ref = variable === null ? null : ctx.names.refOf(variable[1]!);
        if (typeof cel !== 'string' && ref === null) {
          ctx.issues.error(
            pointer(step.path, 'switch'),
            'switch must be a declared variable reference (__name__:value)',
          );
          return null;
        }
        const inner = this.#innerRoute(step, route);
        const cases: Record<string, string> = {};
        let fallback: string | null = null;
        for (const c of step.cases) {
          const target = this.#ref(c.target, inner, block);
          if (c.key === 'default') fallback = target;
          else cases[c.key] = target;
        }
        const riposteStep: RiposteStep = {
          id: idFor('route'),
          switch: `\${{ ${typeof cel === 'string' ? cel : `string(${ref!})`} }}`,
          cases,
          default: fallback ?? this.#ref(null, inner, block),
        };
        if (Object.keys(cases).length === 0) {
          ctx.issues.error(
            pointer(step.path, 'cases'),
            'a switch-condition needs at least one case besides default',
          );
          return null;
        }
        return { steps: [riposteStep], entry: riposteStep.id, exits: [], failables: [riposteStep] };
      }
      case 'parallel':
        return this.#parallel(step, block, base, idFor);
      case 'while-condition':
        return this.#while(step, block, base, idFor);
      case 'start':
      case 'end':
        return null;
    }
  }

  /** The route inside a condition's branches: end steps lead to its on_completion when it has one. */
  #innerRoute(step: CacaoStep, route: Route): Route {
    // Coming back to an end step is ending where the branch ended: nothing changes.
    if (step.onSuccess === null || this.#steps.get(step.onSuccess)?.type === 'end') return route;
    return { continuation: step.onSuccess, parent: route, key: `${route.key}/${step.id}` };
  }

  #condition(step: CacaoStep): string | null {
    const ctx = this.#ctx;
    // A condition Riposte exported is CEL already, kept in the extension.
    const cel = step.riposte?.['cel'];
    if (typeof cel === 'string') return cel;
    try {
      return stixConditionToCel(step.condition ?? '', (name) => {
        return ctx.names.refOf(name);
      });
    } catch (error) {
      if (!(error instanceof StixConditionError)) throw error;
      ctx.issues.error(
        pointer(step.path, 'condition'),
        `${error.message} (at character ${error.offset + 1} of "${step.condition ?? ''}")`,
      );
      return null;
    }
  }

  #parallel(step: CacaoStep, block: Block, base: string, idFor: (suffix: string) => string): Segment | null {
    const ctx = this.#ctx;
    if (step.nextSteps.length > 20) {
      ctx.issues.error(pointer(step.path, 'next_steps'), 'a parallel step runs at most 20 branches');
      return null;
    }
    const join = this.#join(step);
    if (join === undefined) return null;
    const id = idFor('run');
    const joins = new Set(block.joins);
    if (join !== null) joins.add(join);
    const branches = step.nextSteps
      .map((head, index) => {
        const branch = this.#block(false, `branch ${index + 1} of "${step.name ?? step.id}"`, head, joins);
        if (branch.length === 0)
          ctx.issues.deviation(
            pointer(step.path, 'next_steps', index),
            'this branch does nothing (it reaches an end step at once); it is left out',
          );
        return branch;
      })
      .filter((branch) => branch.length > 0);
    if (branches.length === 0) {
      ctx.issues.error(pointer(step.path, 'next_steps'), 'no branch of this parallel step does anything');
      return null;
    }
    const parallel: RiposteStep = { id, parallel: branches };
    if (step.riposte?.['join'] === 'any') parallel['join'] = 'any';
    if (join !== null) {
      // The branches meet at `join`: that is where the parallel step goes on.
      const stepAfter = this.#ref(join, ROOT, block);
      parallel['next'] = stepAfter;
      return { steps: [parallel], entry: id, exits: [], failables: [parallel] };
    }
    return single(parallel);
  }

  /**
   * A while-condition as a `for_each` over WHILE_LIMIT turns, one at a time, whose body first checks
   * the condition and, while it holds, runs the on_true branch. Once the condition is false the
   * remaining turns only check it: the branch changes nothing any more, so it stays false (conditions
   * read variables only). A branch that goes back to the while step starts the next turn.
   */
  #while(step: CacaoStep, block: Block, base: string, idFor: (suffix: string) => string): Segment | null {
    const ctx = this.#ctx;
    const condition = this.#condition(step);
    if (condition === null || step.onTrue === null) return null;
    const id = idFor('loop');
    const body = this.#block(
      false,
      `loop of "${step.name ?? step.id}"`,
      step.onTrue,
      new Set([...block.joins, step.id]),
    );
    if (body.length === 0) {
      ctx.issues.error(
        pointer(step.path, 'on_true'),
        'the loop does nothing: on_true reaches an end step at once',
      );
      return null;
    }
    const done = ctx.ids.take(`${base}_turn_done`);
    const check: RiposteStep = {
      id: ctx.ids.take(`${base}_while`),
      if: `\${{ ${condition} }}`,
      then: body[0]!.id,
      else: done,
    };
    ctx.issues.warning(
      step.path,
      `a Riposte run always ends: this loop runs at most ${WHILE_LIMIT} times, then goes on with what follows it`,
    );
    const loop: RiposteStep = {
      id,
      for_each: `\${{ [${Array.from({ length: WHILE_LIMIT }, (_, i) => i).join(', ')}] }}`,
      concurrency: 1,
      max_items: WHILE_LIMIT,
      do: [check, ...body, { id: done, set: { [done]: true } }],
    };
    return single(loop);
  }

  /**
   * Where the branches of a parallel step meet, when they do instead of each ending at its own end
   * step (CACAO 1.0 and many 2.0 playbooks are written so): null when they do not meet, undefined when
   * the workflow cannot be read so.
   */
  #join(step: CacaoStep): string | null | undefined {
    const reach = step.nextSteps.map((head) => reachable(this.#steps, head));
    const shared = [...reach[0]!].filter((id) => reach.every((r) => r.has(id)));
    const sharedBySome = new Set(
      reach.flatMap((r, i) => [...r].filter((id) => reach.some((other, j) => j !== i && other.has(id)))),
    );
    if (sharedBySome.size === 0) return null;
    const first = shared.filter(
      (candidate) =>
        !shared.some((other) => other !== candidate && reachable(this.#steps, other).has(candidate)),
    );
    const join = first.length === 1 ? first[0]! : null;
    const leaks = [...sharedBySome].filter(
      (id) => join === null || (!reachable(this.#steps, join).has(id) && id !== join),
    );
    if (join === null || leaks.length > 0 || step.onSuccess !== null) {
      this.#ctx.issues.error(
        pointer(step.path, 'next_steps'),
        `the branches of this parallel step share steps (${[...sharedBySome].join(', ')}); each branch must end at its own end step`,
      );
      return undefined;
    }
    this.#ctx.issues.deviation(
      pointer(step.path, 'next_steps'),
      `the branches meet at "${this.#steps.get(join)?.name ?? join}" instead of each ending at its own end step; that step is read as the one after the parallel step`,
    );
    return join;
  }
}
