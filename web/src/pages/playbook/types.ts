/** What the playbook routes answer, as the console reads it. */
import type { PlanGraphData } from '../../components/PlanGraph.tsx';

export interface Issue {
  file?: string;
  line: number;
  column: number;
  path?: string;
  message: string;
}

export interface TriggerSummary {
  alert: string | null;
  case: string[];
  schedule: string[];
  manual: boolean;
}

export interface PlaybookSummary {
  id: string;
  name: string;
  description: string;
  enabled: boolean;
  order: number;
  version: number;
  triggers: TriggerSummary;
  createdAt: string;
  updatedAt: string;
}

export interface PlaybookDetail extends PlaybookSummary {
  source: string;
  graph: PlanGraphData | null;
}

export interface Validation {
  valid: boolean;
  id?: string;
  errors: Issue[];
  warnings: Issue[];
  graph?: PlanGraphData;
}

export interface VersionInfo {
  playbookId: string;
  version: number;
  createdAt: string;
  createdBy: string;
}

export function triggerText(t: TriggerSummary): string {
  const parts: string[] = [];
  if (t.alert) parts.push(t.alert === 'true' ? 'every alert' : 'alert');
  if (t.case.length) parts.push(`case: ${t.case.join(', ')}`);
  if (t.schedule.length) parts.push(`schedule: ${t.schedule.join(', ')}`);
  if (t.manual) parts.push('manual');
  return parts.length ? parts.join(' · ') : 'none (sub-playbook only)';
}
