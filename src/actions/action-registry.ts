import type { ActionCatalog, ActionDefinition } from '../core/action.ts';

const ACTION_ID = /^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$/;

/** The actions playbooks can use, by id. Integrations register theirs at start-up. */
export class ActionRegistry implements ActionCatalog {
  readonly #actions = new Map<string, ActionDefinition>();

  constructor(actions: readonly ActionDefinition[] = []) {
    for (const action of actions) this.register(action);
  }

  register(action: ActionDefinition): this {
    if (!ACTION_ID.test(action.id)) throw new Error(`action id "${action.id}" is not vendor.action`);
    if (this.#actions.has(action.id)) throw new Error(`action "${action.id}" is registered twice`);
    this.#actions.set(action.id, action);
    return this;
  }

  get(id: string): ActionDefinition | undefined {
    return this.#actions.get(id);
  }

  list(): readonly ActionDefinition[] {
    return [...this.#actions.values()].sort((a, b) => a.id.localeCompare(b.id));
  }
}
