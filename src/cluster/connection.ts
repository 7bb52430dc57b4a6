/**
 * Redis connections for the cluster. URLs are redis:// or rediss:// (TLS), with an optional
 * ACL user and password (redis://user:password@host:port/db), or redis+cluster://host:port
 * for a Redis Cluster (one node named; ioredis finds the rest); ioredis does the rest.
 * Workers retry forever with back-off (a Redis restart must not end them); commands of the
 * CLI fail after a bounded time with a clear error instead of hanging.
 */
import { Cluster, Redis, type RedisOptions } from 'ioredis';
import { MandelError } from '../errors.js';
import { checkRedisUrl, displayUrl, isClusterUrl } from './url.js';

export { checkRedisUrl, displayUrl, isClusterUrl, prefixFor } from './url.js';

/** A connection to one Redis, or to a Redis Cluster (the same commands; keys routed by slot). */
export type RedisClient = Redis | Cluster;

/** Every server holding keys: a Redis Cluster's masters, or the one Redis. For what INFO says per server. */
export function masters(redis: RedisClient): Redis[] {
  return redis instanceof Cluster ? redis.nodes('master') : [redis];
}

/** Back-off between reconnection attempts: 100 ms doubling up to 5 s. */
const reconnectDelay = (attempt: number) => Math.min(100 * 2 ** Math.min(attempt, 6), 5000);

export interface ConnectOptions {
  /** Workers: retry every command until Redis is back (BullMQ requires it for blocking reads). */
  readonly persistent?: boolean;
  /** Called on connection errors (already throttled by the back-off). */
  readonly onError?: (error: Error) => void;
  readonly name?: string;
}

/**
 * BullMQ prints its own multi-line warning for an eviction policy other than noeviction;
 * mandel refuses such a Redis with one line of its own (scripts.ts), so BullMQ's is dropped.
 */
let bullmqWarningFiltered = false;
function dropBullmqEvictionWarning(): void {
  if (bullmqWarningFiltered) return;
  bullmqWarningFiltered = true;
  const warn = console.warn.bind(console);
  console.warn = (...args: unknown[]) => {
    if (typeof args[0] === 'string' && args[0].startsWith('IMPORTANT! Eviction policy is')) return;
    warn(...args);
  };
}

export function connectRedis(url: string, options: ConnectOptions = {}): RedisClient {
  dropBullmqEvictionWarning();
  const redisOptions: RedisOptions = {
    connectionName: options.name ?? 'mandel',
    maxRetriesPerRequest: options.persistent ? null : 1,
    enableOfflineQueue: true,
    connectTimeout: 5000,
    retryStrategy: reconnectDelay,
  };
  const redis = isClusterUrl(checkRedisUrl(url)) ? connectCluster(url, redisOptions) : new Redis(url, redisOptions);
  redis.on('error', (error: Error) => options.onError?.(error));
  return redis;
}

/** A Redis Cluster from one node's address: ioredis finds the others and routes by slot. */
function connectCluster(url: string, redisOptions: RedisOptions): Cluster {
  const parsed = new URL(url);
  return new Cluster([{ host: parsed.hostname, port: Number(parsed.port || 6379) }], {
    redisOptions: {
      ...redisOptions,
      ...(parsed.username ? { username: decodeURIComponent(parsed.username) } : {}),
      ...(parsed.password ? { password: decodeURIComponent(parsed.password) } : {}),
      ...(parsed.protocol === 'rediss+cluster:' ? { tls: {} } : {}),
    },
    enableOfflineQueue: true,
    clusterRetryStrategy: reconnectDelay,
  });
}

/**
 * An answer that waiting will not change: nothing listens on the port, the name does not
 * resolve, the password or the certificate is refused. A command fails at once on these;
 * only silence (a host that does not answer) is waited out.
 */
const REFUSAL = /ECONNREFUSED|ENOTFOUND|EAI_NONAME|WRONGPASS|NOAUTH|invalid password|certificate|self[- ]signed|ERR_TLS|EPROTO/i;

/**
 * Resolves once Redis answers PING. Rejects with ERR_REDIS at once when Redis refuses (see
 * REFUSAL), and after `timeoutMs` when it stays silent.
 */
export async function waitForRedis(redis: RedisClient, url: string, timeoutMs: number): Promise<void> {
  let lastError = 'no answer';
  const onError = (error: Error) => (lastError = error.message || String(error));
  redis.on('error', onError);
  try {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      try {
        await withTimeout(redis.ping(), Math.max(1, deadline - Date.now()));
        return;
      } catch (error) {
        // Keep the connection's own error (ECONNREFUSED, WRONGPASS…) over a bare time-out.
        const message = (error as Error).message;
        if (message && message !== 'timed out' && !/max retries per request/i.test(message)) lastError = message;
        if (REFUSAL.test(lastError)) throw new MandelError('ERR_REDIS', `cannot reach Redis at ${displayUrl(url)}: ${lastError}`);
        await new Promise((resolve) => setTimeout(resolve, Math.min(200, Math.max(0, deadline - Date.now()))));
      }
    }
    throw new MandelError('ERR_REDIS', `no answer from Redis at ${displayUrl(url)} within ${timeoutMs / 1000} s (${lastError})`);
  } finally {
    redis.off('error', onError);
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('timed out')), ms);
    promise.then(
      (value) => (clearTimeout(timer), resolve(value)),
      (error: unknown) => (clearTimeout(timer), reject(error instanceof Error ? error : new Error(String(error)))),
    );
  });
}
