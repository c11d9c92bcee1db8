/**
 * The working copy of a run during one reducer call. Copy-on-write: the maps of the input state are
 * copied (shallowly) the first time they change, and step states and frames are replaced, never
 * mutated, so the caller's state is left exactly as it was and unchanged parts are shared.
 */
import type { PlaybookPlan } from '../core/playbook.ts';
import type {
  EngineCommand,
  EngineContext,
  RunState,
  RunStatus,
  StepFailure,
  StepState,
} from './engine-types.ts';
import type { ContainerProgress, Frame } from './internal-state.ts';
import { emptyInternal, readInternal } from './internal-state.ts';
import type { PlanIndex } from './plan-index.ts';
import { planIndex } from './plan-index.ts';
import { redact, secretValues } from './redact.ts';
import { summarizeActivity } from './run-status.ts';

export class RunDraft {
  readonly plan: PlaybookPlan;
  readonly index: PlanIndex;
  readonly ctx: EngineContext;
  readonly now: string;
  readonly nowMs: number;
  readonly secrets: readonly string[];
  readonly base: RunState;
  readonly commands: EngineCommand[] = [];
  /** Frames that may be able to move (checked again when taken). */
  readonly queue: string[] = [];
  /** Internal transitions so far in this call (bounded by the cursor). */
  transitions = 0;

  status: RunStatus;
  error: StepFailure | null;
  outputs: Record<string, unknown>;
  finishedAt: string | null;
  inputs: Record<string, unknown>;
  vars: Record<string, unknown>;

  #steps: Record<string, StepState>;
  #stepsOwned = false;
  #varsOwned = false;
  #frames: Record<string, Frame>;
  #framesOwned = false;
  #containers: Record<string, ContainerProgress>;
  #containersOwned = false;

  constructor(plan: PlaybookPlan, base: RunState, ctx: EngineContext) {
    this.plan = plan;
    this.index = planIndex(plan);
    this.ctx = ctx;
    this.now = ctx.now;
    this.nowMs = Date.parse(ctx.now);
    this.secrets = secretValues(ctx.secrets);
    this.base = base;
    this.status = base.status;
    this.error = base.error;
    this.outputs = base.outputs;
    this.finishedAt = base.finishedAt;
    this.inputs = base.inputs;
    this.vars = base.vars;
    this.#steps = base.steps;
    const internal = readInternal(base.internal);
    this.#frames = internal.frames;
    this.#containers = internal.containers;
  }

  get finished(): boolean {
    return this.status === 'succeeded' || this.status === 'failed' || this.status === 'cancelled';
  }

  redact<T>(value: T): T {
    return redact(value, this.secrets);
  }

  /** ISO time `ms` milliseconds from now. */
  later(ms: number): string {
    return new Date(this.nowMs + ms).toISOString();
  }

  emit(command: EngineCommand): void {
    this.commands.push(command);
  }

  step(key: string): StepState | undefined {
    return this.#steps[key];
  }

  putStep(state: StepState): void {
    if (!this.#stepsOwned) {
      this.#steps = { ...this.#steps };
      this.#stepsOwned = true;
    }
    this.#steps[state.key] = state;
  }

  setVar(name: string, value: unknown): void {
    if (!this.#varsOwned) {
      this.vars = { ...this.vars };
      this.#varsOwned = true;
    }
    this.vars[name] = value;
  }

  frame(id: string): Frame | undefined {
    return this.#frames[id];
  }

  frameIds(): string[] {
    return Object.keys(this.#frames);
  }

  putFrame(id: string, frame: Frame): void {
    this.#ownFrames();
    this.#frames[id] = frame;
  }

  updateFrame(id: string, patch: Partial<Frame>): void {
    const frame = this.#frames[id];
    if (frame) this.putFrame(id, { ...frame, ...patch });
  }

  /** Makes a frame move on to `next` (a step id, or null for the end of its block) and queues it. */
  moveFrame(id: string, next: string | null): void {
    this.updateFrame(id, { at: null, next });
    this.queue.push(id);
  }

  dropFrame(id: string): void {
    this.#ownFrames();
    delete this.#frames[id];
  }

  container(key: string): ContainerProgress | undefined {
    return this.#containers[key];
  }

  putContainer(key: string, progress: ContainerProgress): void {
    this.#ownContainers();
    this.#containers[key] = progress;
  }

  dropContainer(key: string): void {
    if (!(key in this.#containers)) return;
    this.#ownContainers();
    delete this.#containers[key];
  }

  /** The new state. Bookkeeping is kept on a failed run (a retry reopens it), dropped otherwise. */
  toState(): RunState {
    let status = this.status;
    let wakeAt: string | null = null;
    if (!this.finished) ({ status, wakeAt } = summarizeActivity(this.plan, this.#frames, this.#steps));
    const keep = !this.finished || this.status === 'failed';
    return {
      runId: this.base.runId,
      playbookId: this.base.playbookId,
      playbookVersion: this.base.playbookVersion,
      status,
      inputs: this.inputs,
      vars: this.vars,
      outputs: this.outputs,
      error: this.error,
      steps: this.#steps,
      wakeAt,
      startedAt: this.base.startedAt,
      finishedAt: this.finishedAt,
      seq: this.base.seq + 1,
      internal: keep ? { frames: this.#frames, containers: this.#containers } : emptyInternal(),
    };
  }

  #ownFrames(): void {
    if (this.#framesOwned) return;
    this.#frames = { ...this.#frames };
    this.#framesOwned = true;
  }

  #ownContainers(): void {
    if (this.#containersOwned) return;
    this.#containers = { ...this.#containers };
    this.#containersOwned = true;
  }
}
