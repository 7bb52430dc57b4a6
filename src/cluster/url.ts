/** Redis URLs: checked at the edge, and shown with the password masked. No client loaded here. */
import { InvalidOptionError } from '../errors.js';

/** The URL with its password masked, for messages and logs. */
export function displayUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparseable URL)';
  }
}

export function checkRedisUrl(url: string | undefined): string {
  if (!url) throw new InvalidOptionError('no Redis: give --redis redis://host:port (or set REDIS_URL)');
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new InvalidOptionError(`--redis: "${url}" is not a URL; expected redis://[user:password@]host:port[/db] or rediss://…`);
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw new InvalidOptionError(`--redis: expected a redis:// or rediss:// URL (got ${parsed.protocol}//)`);
  }
  return url;
}
