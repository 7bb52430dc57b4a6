/**
 * The cluster's writes that must check before they write, as Lua scripts: Redis runs each
 * atomically, so no other client can slip in between the check and the write. Apart from
 * the TypeScript that calls them, as BullMQ keeps its own.
 */
import { createHash } from 'node:crypto';
import { masters, type RedisClient } from './connection.js';
import { MandelError } from '../errors.js';
import { keys } from './wire.js';

/**
 * A Lua script run by its SHA1: its text crosses the wire once per Redis, not on every call.
 * ioredis's defineCommand does the same, but per connection (these run on connections that
 * BullMQ shares, and every script defined on one is copied onto each of its pipelines) and
 * with a command name to type; its Script class is not exported.
 */
class Script {
  private readonly sha: string;
  constructor(readonly source: string) {
    this.sha = createHash('sha1').update(source).digest('hex');
  }

  async run(redis: RedisClient, keys: readonly string[], args: readonly (string | Buffer)[]): Promise<unknown> {
    try {
      return await redis.evalsha(this.sha, keys.length, ...keys, ...args);
    } catch (error) {
      // A Redis that has not seen it yet (or restarted, or flushed its scripts) says NOSCRIPT.
      if (!/NOSCRIPT/.test((error as Error).message)) throw error;
      return redis.eval(this.source, keys.length, ...keys, ...args);
    }
  }
}

/**
 * Writes a render's record with its expiry (and a deep render's reference orbit) in one
 * step: a record can never be left without a TTL, and submitting costs one round trip.
 * KEYS: render, reference; ARGV: ttl, reference bytes or '', then field, value pairs.
 */
const WRITE_RECORD = new Script(`
redis.call('HSET', KEYS[1], unpack(ARGV, 3))
redis.call('EXPIRE', KEYS[1], ARGV[1])
if ARGV[2] ~= '' then redis.call('SET', KEYS[2], ARGV[2], 'EX', ARGV[1]) end
return 1
`);

export async function writeRecord(
  redis: RedisClient,
  k: { render: string; reference: string },
  fields: Record<string, string>,
  ttl: number,
  reference: Buffer | undefined,
): Promise<void> {
  await WRITE_RECORD.run(redis, [k.render, k.reference], [String(ttl), reference ?? '', ...Object.entries(fields).flat()]);
}

/**
 * Stores one chunk's result — only while its render exists and has not failed — and gives
 * all five render keys a fresh expiry (EXPIRE skips a reference a render does not have), so
 * a render's results live `ttl` from its last chunk.
 * Returns 1 stored, 0 no such render (expired, cancelled, never submitted), -1 render failed.
 * KEYS: render, done, meta, results, reference; ARGV: chunk id, counts, meta JSON.
 */
const STORE_RESULT = new Script(`
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
if redis.call('HEXISTS', KEYS[1], 'error') == 1 then return -1 end
local ttl = tonumber(redis.call('HGET', KEYS[1], 'ttl'))
redis.call('HSET', KEYS[4], ARGV[1], ARGV[2])
redis.call('HSET', KEYS[3], ARGV[1], ARGV[3])
redis.call('SADD', KEYS[2], ARGV[1])
for i = 1, 5 do redis.call('EXPIRE', KEYS[i], ttl) end
return 1
`);

/**
 * Marks a render failed — only if it exists, is not finished and has not failed already: a
 * finished render never changes, and no key is ever created here (so none lacks a TTL).
 * Returns 1 marked, 0 no such render, -1 already finished, -2 already failed.
 * KEYS: render, done; ARGV: reason.
 */
const MARK_FAILED = new Script(`
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
if redis.call('SCARD', KEYS[2]) >= tonumber(redis.call('HGET', KEYS[1], 'chunks')) then return -1 end
if redis.call('HEXISTS', KEYS[1], 'error') == 1 then return -2 end
redis.call('HSET', KEYS[1], 'error', ARGV[1])
return 1
`);

export type StoreOutcome = 'stored' | 'no-render' | 'render-failed';

export async function storeResult(
  redis: RedisClient,
  prefix: string,
  render: string,
  chunk: number,
  counts: Buffer,
  metaJson: string,
): Promise<StoreOutcome> {
  const k = keys(prefix, render);
  const outcome = (await STORE_RESULT.run(
    redis,
    [k.render, k.done, k.meta, k.results, k.reference],
    [String(chunk), counts, metaJson],
  )) as number;
  return outcome === 1 ? 'stored' : outcome === 0 ? 'no-render' : 'render-failed';
}

export async function markRenderFailed(
  redis: RedisClient,
  prefix: string,
  render: string,
  reason: string,
): Promise<'marked' | 'no-render' | 'finished' | 'failed already'> {
  const k = keys(prefix, render);
  const outcome = (await MARK_FAILED.run(redis, [k.render, k.done], [reason])) as number;
  return outcome === 1 ? 'marked' : outcome === 0 ? 'no-render' : outcome === -1 ? 'finished' : 'failed already';
}

/**
 * The eviction policy, which must be noeviction: under any other, Redis may drop a render's
 * record or a queued job when memory runs short, and the render could never complete.
 */
export async function evictionPolicy(redis: RedisClient): Promise<string> {
  // On a Redis Cluster every master holds some queue's keys: each must keep them.
  const policies = await Promise.all(
    masters(redis).map(async (node) => /^maxmemory_policy:(\S+)/m.exec(await node.info('memory'))?.[1] ?? 'unknown'),
  );
  return policies.find((policy) => policy !== 'noeviction') ?? policies[0] ?? 'unknown';
}

/** Why a Redis that evicts keys is refused, in one line. */
export function evictionMessage(url: string, policy: string): string {
  return (
    `Redis at ${url} evicts keys when memory runs short (maxmemory-policy ${policy}): a render's record or ` +
    'its jobs could vanish and the render never finish; set maxmemory-policy noeviction'
  );
}

/** Refuses a Redis whose eviction policy is not noeviction (ERR_REDIS_CONFIG). */
export async function checkEvictionPolicy(redis: RedisClient, url: string): Promise<void> {
  const policy = await evictionPolicy(redis);
  if (policy !== 'noeviction') throw new MandelError('ERR_REDIS_CONFIG', evictionMessage(url, policy));
}
