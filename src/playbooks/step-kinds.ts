/** The kinds of step: the key that names each, and which keys each accepts. */
import type { StepKind } from '../core/playbook.ts';

/** The key that makes a step of each kind. */
export const KIND_KEYS: Record<StepKind, string> = {
  action: 'uses',
  if: 'if',
  switch: 'switch',
  for_each: 'for_each',
  parallel: 'parallel',
  playbook: 'playbook',
  set: 'set',
  wait: 'wait',
  task: 'task',
  approval: 'approval',
  end: 'end',
  fail: 'fail',
};

export const ALL_COMMON_KEYS = ['next', 'on_error', 'continue_on_error', 'retry', 'timeout'];
/** The steps that carry out a response action (or ask a person to) may name its RE&CT id. */
const RESPONSE_KEYS = [...ALL_COMMON_KEYS, 'react'];
export const KIND_FIELDS: Record<StepKind, { own: string[]; common: string[] }> = {
  action: { own: ['uses', 'with'], common: RESPONSE_KEYS },
  playbook: { own: ['playbook', 'with'], common: RESPONSE_KEYS },
  for_each: { own: ['for_each', 'concurrency', 'max_items', 'do'], common: ALL_COMMON_KEYS },
  parallel: { own: ['parallel', 'join'], common: ALL_COMMON_KEYS },
  wait: { own: ['wait'], common: ALL_COMMON_KEYS },
  task: { own: ['task'], common: RESPONSE_KEYS },
  approval: { own: ['approval', 'on_deny'], common: RESPONSE_KEYS },
  set: { own: ['set'], common: ['next', 'on_error', 'continue_on_error'] },
  if: { own: ['if', 'then', 'else'], common: ['on_error'] },
  switch: { own: ['switch', 'cases', 'default'], common: ['on_error'] },
  end: { own: ['end'], common: [] },
  fail: { own: ['fail'], common: [] },
};
