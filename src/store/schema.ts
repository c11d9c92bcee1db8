/** Kysely table types. Timestamps are ISO 8601 text in both dialects; JSON is text; booleans are 0/1. */

export interface SourceTable {
  name: string;
  format: string;
  options: string;
  token_hash: string;
  token_enc: string;
  require_signature: number;
  created_at: string;
  created_by: string;
  /** The token replaced last, while it is still accepted (until `previous_valid_until`); else null. */
  previous_token_hash: string | null;
  previous_token_enc: string | null;
  previous_valid_until: string | null;
  token_rotated_at: string | null;
  /** Silence past this many seconds is reported (null: not watched); since `watched_since`. */
  expect_within_seconds: number | null;
  watched_since: string | null;
  /** When it last sent anything accepted (written at most every RECEIPT_EVERY_MS per process). */
  last_received_at: string | null;
  /** Since when it has been reported silent (null: it is not). */
  silent_since: string | null;
  /** Alerts a minute it may send; past it what it sends waits (null: no limit). Migration 0033. */
  alert_limit_per_minute: number | null;
}

export interface AlertTable {
  id: string;
  source: string;
  format: string;
  source_ref: string | null;
  fingerprint: string;
  title: string;
  description: string | null;
  severity: string;
  severity_id: number;
  category: string;
  rule_id: string | null;
  rule_name: string | null;
  event_time: string;
  first_seen: string;
  last_seen: string;
  count: number;
  case_id: string | null;
  status: string;
  observables: string;
  mitre: string;
  raw: string;
  created_at: string;
}

export interface CaseTable {
  id: string;
  title: string;
  description: string | null;
  status: string;
  severity: string;
  severity_id: number;
  priority: number;
  priority_factors: string;
  assignee: string | null;
  tags: string;
  resolution: string | null;
  resolution_note: string | null;
  alert_count: number;
  rule_key: string | null;
  host: string | null;
  /** The most critical asset among the case's hosts and IPs, kept as observables arrive. */
  asset_type: string | null;
  asset_value: string | null;
  asset_criticality: string | null;
  /** How many observable values the search document holds (it stops growing at a bound). */
  search_values: number;
  /** How many of the case's observables matched a live threat-intelligence indicator, from which feeds (JSON list), at what best confidence. */
  intel_matches: number;
  intel_sources: string;
  intel_confidence: number | null;
  /** The matched observables (`type:value`, the first 100), so one seen again is not counted twice. */
  intel_observables: string;
  created_at: string;
  updated_at: string;
  closed_at: string | null;
  last_alert_at: string;
  /** When the case was first assigned or closed (its acknowledge SLA). */
  acknowledged_at?: string | null;
  /** The case this one was merged into (it is closed as a duplicate); null otherwise. */
  merged_into?: string | null;
  /** Migration 0028: when the case's threat was first contained. */
  contained_at?: string | null;
}

export interface CaseTagTable {
  case_id: string;
  tag: string;
}

export interface CaseObservableTable {
  case_id: string;
  type: string;
  value: string;
  role: string | null;
  first_seen: string;
  last_seen: string;
}

export interface CaseAttachmentTable {
  id: string;
  case_id: string;
  name: string;
  /** As the uploader declared it; downloads are served as application/octet-stream regardless. */
  content_type: string;
  size: number;
  sha256: string;
  content: Buffer;
  uploaded_by: string;
  uploaded_at: string;
}

export interface CaseCommentTable {
  id: string;
  case_id: string;
  author: string;
  body: string;
  mentions: string;
  created_at: string;
}

export interface AssetTable {
  type: string;
  value: string;
  criticality: string;
  owner: string | null;
  tags: string;
  updated_at: string;
}

export interface RuleStatsTable {
  rule_key: string;
  true_positive: number;
  false_positive: number;
  benign_positive: number;
  duplicate: number;
}

export interface UserTable {
  id: string;
  username: string;
  password_hash: string;
  role: string;
  disabled: number;
  created_at: string;
}

export interface SessionTable {
  id_hash: string;
  user_id: string;
  expires_at: string;
  created_at: string;
  ip: string | null;
  /** The ID token a single sign-on session was opened with (migration 0030), the provider's logout hint. */
  id_token?: string | null;
}

export interface ApiTokenTable {
  id: string;
  name: string;
  role: string;
  secret_hash: string;
  created_by: string;
  created_at: string;
  expires_at: string | null;
  revoked_at: string | null;
  last_used_at: string | null;
  /** Migration 0029: JSON list of scopes; null or absent: the role alone limits the token. */
  scopes?: string | null;
}

export interface AuditLogTable {
  seq: number;
  at: string;
  actor: string;
  actor_type: string;
  action: string;
  target_type: string | null;
  target_id: string | null;
  ip: string | null;
  details: string;
  prev_hash: string;
  hash: string;
}

/** Each case's search document; indexed by FTS5 (SQLite, case_search_fts) or a tsvector column (PostgreSQL). */
export interface CaseSearchTable {
  case_id: string;
  part: string;
  body: string;
}

export interface PlaybookTable {
  id: string;
  name: string;
  description: string;
  enabled: number;
  run_order: number;
  current_version: number;
  /** JSON summary of the current version's triggers (for listing and matching without compiling). */
  triggers: string;
  created_at: string;
  updated_at: string;
  deleted_at: string | null;
}

export interface PlaybookVersionTable {
  playbook_id: string;
  version: number;
  source: string;
  source_hash: string;
  created_at: string;
  created_by: string;
}

export interface RunTable {
  id: string;
  playbook_id: string;
  playbook_version: number;
  status: string;
  /** JSON: what started the run (`{ kind: 'alert' | 'case' | 'schedule' | 'manual' | 'subrun' | 'backtest', … }`). */
  trigger: string;
  alert_id: string | null;
  case_id: string | null;
  parent_run_id: string | null;
  parent_step_key: string | null;
  started_by: string;
  dry_run: number;
  /** JSON RunState, rewritten on every transition. */
  state: string;
  seq: number;
  wake_at: string | null;
  error_kind: string | null;
  started_at: string;
  finished_at: string | null;
  updated_at: string;
}

export interface TaskTable {
  id: string;
  run_id: string;
  step_key: string;
  kind: string;
  status: string;
  title: string;
  description: string | null;
  spec: string;
  assignee_role: string | null;
  assignee_user: string | null;
  playbook_id: string;
  run_started_by: string;
  alert_id: string | null;
  case_id: string | null;
  decisions: string;
  outcome: string | null;
  output: string | null;
  escalated: number;
  created_at: string;
  expires_at: string | null;
  remind_at: string | null;
  completed_at: string | null;
}

export interface SecretTable {
  name: string;
  value_enc: string;
  updated_at: string;
  updated_by: string;
}

export interface PlaybookScheduleTable {
  playbook_id: string;
  expression: string;
  next_at: string;
}

export interface IntegrationInstanceTable {
  integration: string;
  name: string;
  /** JSON of the non-secret fields. */
  fields: string;
  /** The secret fields as one sealed JSON object. */
  secrets_enc: string;
  is_default: number;
  created_at: string;
  updated_at: string;
  updated_by: string;
  last_test_at: string | null;
  last_test_ok: number | null;
  last_test_error: string | null;
  /** The last action run through the instance: which, when, and how it went (no credentials). */
  last_action: string | null;
  last_action_at: string | null;
  last_action_ok: number | null;
  last_action_error: string | null;
}

export interface EnrichmentCacheTable {
  /** integration instance + action + canonical input, hashed. */
  key: string;
  action: string;
  output: string;
  fetched_at: string;
  expires_at: string;
}

export interface ObservableFindingTable {
  type: string;
  value: string;
  provider: string;
  verdict: string;
  score: number | null;
  summary: string | null;
  action: string;
  at: string;
}

export interface KeyringTable {
  purpose: string;
  key_enc: string;
  created_at: string;
}

export interface IntelIndicatorTable {
  id: string;
  type: string;
  value: string;
  source: string;
  confidence: number;
  threat: string | null;
  /** JSON lists. */
  labels: string;
  tags: string;
  first_seen: string;
  /** When a feed last held it (the latest import). */
  last_seen: string;
  /** Not matched from then on. */
  valid_until: string;
  reference: string | null;
}

export interface IntelFeedTable {
  name: string;
  url: string;
  format: string;
  every_seconds: number;
  ttl_seconds: number;
  partial: number;
  next_at: string;
  created_at: string;
  updated_at: string;
  updated_by: string;
  last_run_at: string | null;
  last_status: string | null;
  last_error: string | null;
  last_count: number | null;
}

export interface DatabaseSchema {
  intel_indicators: IntelIndicatorTable;
  intel_feeds: IntelFeedTable;
  integration_instances: IntegrationInstanceTable;
  enrichment_cache: EnrichmentCacheTable;
  observable_findings: ObservableFindingTable;
  keyring: KeyringTable;
  playbooks: PlaybookTable;
  playbook_versions: PlaybookVersionTable;
  runs: RunTable;
  tasks: TaskTable;
  secrets: SecretTable;
  playbook_schedules: PlaybookScheduleTable;
  sources: SourceTable;
  alerts: AlertTable;
  cases: CaseTable;
  case_tags: CaseTagTable;
  case_observables: CaseObservableTable;
  case_comments: CaseCommentTable;
  case_attachments: CaseAttachmentTable;
  assets: AssetTable;
  rule_stats: RuleStatsTable;
  users: UserTable;
  sessions: SessionTable;
  api_tokens: ApiTokenTable;
  audit_log: AuditLogTable;
  case_search: CaseSearchTable;
}

/** An OpenAPI description imported as an integration (`id`), as the user gave it. */
export interface OpenApiSpecTable {
  id: string;
  name: string;
  /** The JSON or YAML text. */
  spec: string;
  created_at: string;
  updated_by: string;
}

/**
 * SQLite only (migration 0015; src/ingest/dedup-index.ts): dedup's merged tier, one row per alert up
 * to `dedup_merge.merged_rowid` — the fingerprint's first six characters and the alert's rowid.
 */
export interface AlertFingerprintTable {
  prefix: string;
  alert_rowid: number;
}

/** SQLite only (migration 0015): the largest alert rowid merged into `alert_fingerprints`, in row 1. */
export interface DedupMergeTable {
  id: number;
  merged_rowid: number;
}

export interface DatabaseSchema {
  alert_fingerprints: AlertFingerprintTable;
  dedup_merge: DedupMergeTable;
}

/** Merged into the schema above; kept apart so this table's additions stay in one place. */
export interface DatabaseSchema {
  openapi_specs: OpenApiSpecTable;
}

/** An action attempt an API process handed to the workers (migration 0017). */
export interface RunHandoffTable {
  idempotency_key: string;
  run_id: string;
  step_key: string;
  created_at: string;
}

/** An admitted side-effecting attempt not yet in the ledger (migration 0016). */
export interface ActionReservationTable {
  idempotency_key: string;
  run_id: string;
  playbook_id: string;
  action: string;
  effect: string;
  target_type: string | null;
  target_value: string | null;
  reserved_at: string;
}

export interface ActionLedgerTable {
  id: string;
  idempotency_key: string;
  run_id: string;
  step_key: string;
  playbook_id: string;
  case_id: string | null;
  alert_id: string | null;
  action: string;
  effect: string;
  react: string | null;
  target_type: string | null;
  target_value: string | null;
  /** JSON, secrets redacted. */
  input: string;
  output: string;
  inverse_action: string | null;
  /** JSON input of the inverse action. */
  inverse_input: string | null;
  /** applied | noop | undoing (an undo has claimed it) | rolled_back | expired | undo_failed */
  status: string;
  applied_at: string;
  expires_at: string | null;
  undone_at: string | null;
  undone_by: string | null;
  undo_error: string | null;
}

/** Policies, protected entities and blast-radius limits, one JSON rule each (`kind` tells which). */
export interface ResponseRuleTable {
  id: string;
  kind: string;
  rule: string;
  created_at: string;
  created_by: string;
}

export interface SettingTable {
  key: string;
  value: string;
  updated_at: string;
  updated_by: string;
}

/** An action attempt a guardrail holds or sends for approval, by its idempotency key. */
export interface PolicyGateTable {
  idempotency_key: string;
  run_id: string;
  step_key: string;
  task_id: string | null;
  /** held | awaiting_approval | approved | denied | overridden */
  state: string;
  reason: string;
  created_at: string;
}

export interface DatabaseSchema {
  action_ledger: ActionLedgerTable;
  action_reservations: ActionReservationTable;
  run_handoffs: RunHandoffTable;
  worker_leases: WorkerLeaseTable;
  response_rules: ResponseRuleTable;
  settings: SettingTable;
  policy_gates: PolicyGateTable;
}

export interface EdlListTable {
  name: string;
  /** ip | domain | url */
  type: string;
  description: string;
  token_hash: string;
  created_at: string;
}

export interface EdlEntryTable {
  list: string;
  value: string;
  reason: string | null;
  added_at: string;
  added_by: string;
  expires_at: string | null;
}

export interface DatabaseSchema {
  edl_lists: EdlListTable;
  edl_entries: EdlEntryTable;
}

/** A playbook's golden test file, stored for the console (migration 0010). */
export interface PlaybookTestTable {
  playbook_id: string;
  /** The test file YAML (docs/playbook-testing.md). */
  source: string;
  updated_at: string;
  updated_by: string;
}

export interface DatabaseSchema {
  playbook_tests: PlaybookTestTable;
}

/** A saved filter of the alert or case list (migration 0008). */
export interface SavedViewTable {
  id: string;
  name: string;
  /** alerts | cases */
  page: string;
  /** The list's query string, without `?` and without a cursor. */
  query: string;
  /** Who saved it: a username, or `token:<name>`. */
  owner: string;
  shared: number;
  created_at: string;
}

/** The process carrying out a database's actions without Redis (migration 0020, src/runs/action-lease.ts). */
export interface WorkerLeaseTable {
  name: string;
  holder: string;
  host: string;
  pid: number;
  acquired_at: string;
  expires_at: string;
}

export interface DatabaseSchema {
  saved_views: SavedViewTable;
}

/** The CACAO playbook an imported playbook came from (migration 0026). */
export interface CacaoPlaybookTable {
  cacao_id: string;
  playbook_id: string;
  modified: string | null;
  imported_at: string;
}

export interface DatabaseSchema {
  cacao_playbooks: CacaoPlaybookTable;
}

/** A source that pulls alerts from a vendor's API: its position and poll state (migration 0027, src/pull/). */
export interface SourcePullCursorTable {
  source: string;
  integration: string;
  instance: string;
  /** JSON: the feed's own position after the last committed page; null before the first. */
  cursor: string | null;
  next_poll_at: string;
  /** The claim of the process polling it now (null: none); its writes check it. */
  claim: string | null;
  last_poll_at: string | null;
  last_success_at: string | null;
  last_error: string | null;
  last_error_at: string | null;
  /** Polls failed in a row (0 after a success). */
  failures: number;
  /** Records read from the vendor, and what became of them. */
  records: number | string;
  stored: number | string;
  duplicates: number | string;
  rejected: number | string;
  updated_at: string;
}

export interface DatabaseSchema {
  source_pull_cursors: SourcePullCursorTable;
}

/** The identity at an OpenID provider an account is bound to (migration 0030, src/auth/oidc/). */
export interface UserIdentityTable {
  issuer: string;
  subject: string;
  user_id: string;
  created_at: string;
  last_login_at: string;
}

/** A completed single sign-on's state, kept until its flow would have expired, so it cannot be replayed. */
export interface OidcUsedStateTable {
  state_hash: string;
  expires_at: string;
}

export interface DatabaseSchema {
  user_identities: UserIdentityTable;
  oidc_used_states: OidcUsedStateTable;
}

/** A tenant of the installation (migration 0032, src/tenants/); only the main database has rows. */
export interface TenantTable {
  slug: string;
  name: string;
  status: 'provisioning' | 'active' | 'disabled';
  created_at: string;
  created_by: string;
  updated_at: string;
  /** Alerts a minute all its sources together may send (null: no limit). Migration 0034. */
  alert_limit_per_minute: number | null;
}

export interface DatabaseSchema {
  tenants: TenantTable;
}
