import { Redis } from 'ioredis';
import {
  MemoryAttemptWindows,
  type AttemptRefusal,
  type AttemptWindow,
  type AttemptWindows,
} from './attempt-windows.ts';
import { MemoryTokenBuckets, type Bucket, type BucketTake, type TokenBuckets } from './token-buckets.ts';

/**
 * Takes from token buckets kept in Redis hashes (`t` tokens, `at` ms, `per` the allowance), all or
 * nothing, in one step: the arithmetic of `decide` in src/limits/token-buckets.ts. A bucket expires
 * once it would be full again (a missing bucket is a full one).
 * KEYS: the buckets; ARGV: now, count, then each bucket's allowance.
 * Returns taken (1/0), the index of the bucket that refused (-1), its wait in seconds, then what each
 * bucket holds.
 */
const TAKE_TOKENS = `
local now = tonumber(ARGV[1])
local count = tonumber(ARGV[2])
local holds = {}
local index = -1
local seconds = 0
for i, key in ipairs(KEYS) do
  local per = tonumber(ARGV[2 + i])
  local b = redis.call('HMGET', key, 't', 'at', 'per')
  local tokens = per
  if b[1] and tonumber(b[3]) == per then
    tokens = math.min(per, tonumber(b[1]) + math.max(0, now - tonumber(b[2])) * per / 60000)
  end
  holds[i] = tokens
  local needed = math.min(count, per)
  if tokens < needed then
    local wait = math.max(1, math.ceil((needed - tokens) * 60 / per))
    if wait > seconds then
      index = i - 1
      seconds = wait
    end
  end
end
local out = {}
if index >= 0 then
  out[1] = '0'
  out[2] = tostring(index)
  out[3] = tostring(seconds)
  for i = 1, #KEYS do out[3 + i] = string.format('%.17g', holds[i]) end
  return out
end
out[1] = '1'
out[2] = '-1'
out[3] = '0'
for i, key in ipairs(KEYS) do
  local per = tonumber(ARGV[2 + i])
  local left = holds[i] - count
  out[3 + i] = string.format('%.17g', left)
  redis.call('HSET', key, 't', out[3 + i], 'at', ARGV[1], 'per', ARGV[2 + i])
  redis.call('PEXPIRE', key, string.format('%d', math.min(1e12, math.ceil((per - left) * 60000 / per) + 1000)))
end
return out
`;

/**
 * Counts an attempt in sliding windows kept as sorted sets (member: the attempt's id, score: its
 * time), in every window or — when one holds its limit of attempts younger than the window — in none.
 * KEYS: the windows; ARGV: now, the window in ms, the attempt's id, then each window's limit.
 * Returns nothing when counted; else the index of the full window and its oldest attempt's time.
 */
const ADD_ATTEMPT = `
local now = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
for i, key in ipairs(KEYS) do
  redis.call('ZREMRANGEBYSCORE', key, '-inf', string.format('%d', now - window))
  if redis.call('ZCARD', key) >= tonumber(ARGV[3 + i]) then
    local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
    return {tostring(i - 1), oldest[2]}
  end
end
for i, key in ipairs(KEYS) do
  redis.call('ZADD', key, ARGV[1], ARGV[3])
  redis.call('PEXPIRE', key, ARGV[2])
end
return false
`;

interface LimitCommands {
  riposteTakeTokens(keys: number, ...args: (string | number)[]): Promise<string[]>;
  riposteAddAttempt(keys: number, ...args: (string | number)[]): Promise<[string, string] | null>;
}

/** Waits no longer than this for Redis before deciding in this process instead. */
const COMMAND_TIMEOUT_MS = 500;
/** A fall-back to this process's own limits is logged at most this often. */
const LOG_EVERY_MS = 60_000;

export interface RedisLimitsOptions {
  url: string;
  /** Keys are `<prefix>:limits:…`, beside the queue's, so several installations can share one Redis. */
  prefix: string;
  onError(error: unknown, message: string): void;
}

/**
 * The limits of a deployment with Redis, shared by all its processes: the token buckets of the API's
 * rate limit and of sources' and tenants' alert limits, and the login throttle's windows. While Redis
 * is out of reach (not connected, or no answer within COMMAND_TIMEOUT_MS) each process decides alone,
 * with buckets and windows of its own: a limit is then held per process, as without Redis, rather than
 * refusing everything or letting everything through.
 */
export class RedisLimits {
  readonly buckets: TokenBuckets;
  readonly attempts: AttemptWindows;
  readonly #redis: Redis & LimitCommands;
  readonly #prefix: string;
  readonly #onError: RedisLimitsOptions['onError'];
  readonly #localBuckets = new MemoryTokenBuckets();
  readonly #localAttempts = new MemoryAttemptWindows();
  readonly #firstConnection: Promise<void>;
  #loggedAt = -Infinity;
  /** Decisions taken in this process because Redis was out of reach (for /metrics). */
  fallbacks = 0;

  constructor(options: RedisLimitsOptions) {
    this.#prefix = `${options.prefix}:limits:`;
    this.#onError = options.onError;
    const redis = new Redis(options.url, {
      commandTimeout: COMMAND_TIMEOUT_MS,
      maxRetriesPerRequest: 0,
    });
    redis.on('error', () => undefined); // each failed decision is reported (at most once a minute)
    redis.defineCommand('riposteTakeTokens', { lua: TAKE_TOKENS });
    redis.defineCommand('riposteAddAttempt', { lua: ADD_ATTEMPT });
    this.#redis = redis as Redis & LimitCommands;
    this.#firstConnection = this.ready(COMMAND_TIMEOUT_MS).catch(() => undefined);
    this.buckets = { take: (buckets, count, now) => this.#take(buckets, count, now) };
    this.attempts = {
      add: (windows, windowMs, now, id) => this.#add(windows, windowMs, now, id),
      remove: (key, id) => this.#remove(key, id),
    };
  }

  /** Waits until Redis answers (or throws after `timeoutMs`). */
  async ready(timeoutMs = 10_000): Promise<void> {
    if (this.#redis.status === 'ready') return;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#redis.off('ready', onReady);
        reject(new Error(`Redis did not answer within ${timeoutMs} ms`));
      }, timeoutMs);
      timer.unref();
      const onReady = () => {
        clearTimeout(timer);
        resolve();
      };
      this.#redis.once('ready', onReady);
    });
  }

  /**
   * Whether Redis can take the decision. The first decisions of a process wait (up to
   * COMMAND_TIMEOUT_MS, once) for the connection it is opening; after that, one that is not up is
   * not waited for.
   */
  async #reachable(): Promise<boolean> {
    if (this.#redis.status !== 'ready') await this.#firstConnection;
    return this.#redis.status === 'ready';
  }

  /** Whether Redis is connected: decisions are then shared. */
  get connected(): boolean {
    return this.#redis.status === 'ready';
  }

  async close(): Promise<void> {
    if (this.#redis.status === 'end') return;
    if (this.#redis.status === 'ready') await this.#redis.quit().catch(() => this.#redis.disconnect());
    else this.#redis.disconnect();
  }

  async #take(buckets: readonly Bucket[], count: number, now: number): Promise<BucketTake> {
    if (!(await this.#reachable())) return this.#local('not connected').take(buckets, count, now);
    try {
      const out = await this.#redis.riposteTakeTokens(
        buckets.length,
        ...buckets.map(({ key }) => this.#prefix + key),
        now,
        count,
        ...buckets.map(({ perMinute }) => perMinute),
      );
      const left = out.slice(3).map(Number);
      return out[0] === '1'
        ? { taken: true, left }
        : { taken: false, left, index: Number(out[1]), seconds: Number(out[2]) };
    } catch (error) {
      return this.#local(error).take(buckets, count, now);
    }
  }

  async #add(
    windows: readonly AttemptWindow[],
    windowMs: number,
    now: number,
    id: string,
  ): Promise<AttemptRefusal | undefined> {
    if (!(await this.#reachable())) return this.#local('not connected', true).add(windows, windowMs, now, id);
    try {
      const out = await this.#redis.riposteAddAttempt(
        windows.length,
        ...windows.map(({ key }) => this.#prefix + key),
        now,
        windowMs,
        id,
        ...windows.map(({ limit }) => limit),
      );
      return out === null ? undefined : { index: Number(out[0]), freeAt: Number(out[1]) + windowMs };
    } catch (error) {
      return this.#local(error, true).add(windows, windowMs, now, id);
    }
  }

  async #remove(key: string, id: string | undefined): Promise<void> {
    this.#localAttempts.remove(key, id);
    if (!(await this.#reachable())) return;
    try {
      if (id === undefined) await this.#redis.del(this.#prefix + key);
      else await this.#redis.zrem(this.#prefix + key, id);
    } catch (error) {
      this.#local(error, true);
    }
  }

  #local(error: unknown, attempts: true): MemoryAttemptWindows;
  #local(error: unknown): MemoryTokenBuckets;
  #local(error: unknown, attempts?: true): MemoryTokenBuckets | MemoryAttemptWindows {
    this.fallbacks++;
    const now = Date.now();
    if (now - this.#loggedAt >= LOG_EVERY_MS) {
      this.#loggedAt = now;
      this.#onError(
        typeof error === 'string' ? new Error(`Redis ${error}`) : error,
        'the shared limits in Redis are out of reach; this process holds rate limits, alert limits and the login throttle on its own until Redis answers',
      );
    }
    return attempts ? this.#localAttempts : this.#localBuckets;
  }
}
