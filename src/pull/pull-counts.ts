import type { PageCounts } from './pull-state-store.ts';

export type PollOutcome = 'ok' | 'failed';
export type RecordOutcome = 'stored' | 'duplicate' | 'rejected';

/** What this process's polls did, by source and outcome, since it started (`riposte_pull_*_total`). */
export class PullCounts {
  readonly polls = new Map<string, Map<PollOutcome, number>>();
  readonly records = new Map<string, Map<RecordOutcome, number>>();

  poll(source: string, outcome: PollOutcome): void {
    add(this.polls, source, outcome, 1);
  }

  record(source: string, counts: PageCounts): void {
    add(this.records, source, 'stored', counts.stored);
    add(this.records, source, 'duplicate', counts.duplicates);
    add(this.records, source, 'rejected', counts.rejected);
  }
}

function add<K>(map: Map<string, Map<K, number>>, source: string, outcome: K, n: number): void {
  let outcomes = map.get(source);
  if (!outcomes) map.set(source, (outcomes = new Map()));
  outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + n);
}
