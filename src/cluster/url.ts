/** Redis URLs: checked at the edge, and shown with the password masked. No client loaded here. */
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
      `--redis: "${displayUrl(url)}" is not a URL; expected redis://[user:password@]host:port[/db] or rediss://…`,
    );
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw new InvalidOptionError(`--redis: expected a redis:// or rediss:// URL (got ${parsed.protocol}//)`);
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
