/** Redis URLs: checked at the edge, and shown with the password masked. No client loaded here. */
import { DEFAULT_PREFIX } from '../defaults.js';
import { InvalidOptionError } from '../errors.js';

/** The URL with its password masked, for messages and logs; even a URL that does not parse. */
export function displayUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    // Mask whatever stands between "user:" and the last "@" of the authority.
    return url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^/:@]*:)[^/]*@/i, '$1***@');
  }
}

/** Whether the URL carries a password (which every local user can read in the process list when given in argv). */
export function hasPassword(url: string): boolean {
  try {
    return new URL(url).password !== '';
  } catch {
    return false;
  }
}

export function checkRedisUrl(url: string | undefined): string {
  if (!url) throw new InvalidOptionError('no Redis: give --redis redis://host:port (or set REDIS_URL)');
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new InvalidOptionError(
      `--redis: "${displayUrl(url)}" is not a URL; expected redis://[user:password@]host:port[/db], rediss://… or redis+cluster://host:port`,
    );
  }
  if (!['redis:', 'rediss:', 'redis+cluster:', 'rediss+cluster:'].includes(parsed.protocol)) {
    throw new InvalidOptionError(
      `--redis: expected a redis:// or rediss:// URL, or redis+cluster:// for a Redis Cluster (got ${parsed.protocol}//)`,
    );
  }
  for (const [part, value] of [
    ['user name', parsed.username],
    ['password', parsed.password],
  ] as const) {
    try {
      decodeURIComponent(value);
    } catch {
      throw new InvalidOptionError(`--redis ${displayUrl(url)}: the ${part} is not valid percent-encoding (write % as %25)`);
    }
  }
  return url;
}

/** A Redis Cluster, named by one of its nodes: redis+cluster://host:port (rediss+cluster:// for TLS). */
export function isClusterUrl(url: string): boolean {
  return /^rediss?\+cluster:/i.test(url);
}

/**
 * The key prefix: `mandel` by default, `{mandel}` on a Redis Cluster, where every key of a
 * queue must hash to one slot (BullMQ's scripts and mandel's touch several keys at once), so
 * a prefix there must carry a hash tag.
 */
export function prefixFor(url: string, prefix: string | undefined): string {
  const cluster = isClusterUrl(url);
  const chosen = prefix ?? (cluster ? `{${DEFAULT_PREFIX}}` : DEFAULT_PREFIX);
  if (cluster && !/\{[^{}]+\}/.test(chosen)) {
    throw new InvalidOptionError(
      `--prefix ${chosen}: on a Redis Cluster the prefix needs a hash tag, e.g. {${chosen}}, so that every key of the queue lands in one slot`,
    );
  }
  return chosen;
}
