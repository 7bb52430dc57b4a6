/**
 * The HTTP plumbing of `mandel serve`, apart from its routes: typed errors that become one
 * line of JSON, bounded JSON bodies, method checks, the access token, the defences against
 * the other pages a user's browser has open (Host, Origin, Sec-Fetch-Site), and responses.
 */
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isIP } from 'node:net';

const MAX_BODY_BYTES = 16 * 1024;

/** An answer other than 200, with the code a client branches on. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly code = 'ERR_BAD_REQUEST',
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

/** The token from the query (then remembered in a cookie, as Jupyter does), a cookie or a bearer header. */
export function authorise(request: IncomingMessage, response: ServerResponse, url: URL, token: string): void {
  const given =
    url.searchParams.get('token') ??
    /(?:^|;\s*)mandel_token=([^;]+)/.exec(request.headers.cookie ?? '')?.[1] ??
    /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1];
  // Compared as bytes: a string of the token's length in characters may have more bytes.
  const expected = Buffer.from(token);
  const bytes = given === undefined ? undefined : Buffer.from(given);
  const ok = bytes !== undefined && bytes.length === expected.length && timingSafeEqual(bytes, expected);
  if (!ok) throw new HttpError(401, 'a token is required: open the URL mandel serve printed', 'ERR_UNAUTHORISED');
  if (url.searchParams.has('token')) response.setHeader('Set-Cookie', `mandel_token=${token}; HttpOnly; SameSite=Strict; Path=/`);
}

/**
 * Who may talk to the server: any page of the user's browser can send it requests, so the
 * Host a request names and the page it comes from are input like any other.
 *
 * - **Host** must be an IP address, `localhost` (or a name under `.localhost`, which browsers
 *   resolve to loopback themselves), or a name the server was told is its own. A web page
 *   that rebinds its own name to 127.0.0.1 (DNS rebinding) sends its name: refused, so it
 *   reads nothing, as Jupyter and Vite do.
 * - A request that **changes state** (any method but GET and HEAD) is accepted from a browser
 *   only from the server's own origin (`Origin` equal to `http://` + Host), and a POST only as
 *   `application/json`, which no cross-origin page can send without a preflight that mandel
 *   never grants.
 * - The **API** (`/api/…`, `/report`) answers no request that a browser marks as made by
 *   another site (`Sec-Fetch-Site: cross-site` or `same-site`): an `<img>` of another page
 *   cannot make the server render. Pages themselves may be opened from a link anywhere.
 */
export interface RequestGuard {
  /** Host names besides IP addresses and localhost (the machine's names off loopback, --allow-host). */
  readonly hostNames: ReadonlySet<string>;
}

export function guardRequest(request: IncomingMessage, path: string, guard: RequestGuard): void {
  const host = request.headers.host;
  if (host !== undefined) {
    const name = hostName(host);
    if (name === undefined || !(isIP(name) !== 0 || name === 'localhost' || name.endsWith('.localhost') || guard.hostNames.has(name))) {
      throw new HttpError(
        403,
        `Host ${JSON.stringify(host.slice(0, 100))} is not this server's address; open it by its IP address or localhost, or start it with --allow-host NAME`,
        'ERR_HOST',
      );
    }
  }
  const method = request.method ?? 'GET';
  const site = request.headers['sec-fetch-site'];
  if (
    (site === 'cross-site' || site === 'same-site') &&
    (path.startsWith('/api/') || path === '/report' || !['GET', 'HEAD'].includes(method))
  ) {
    throw new HttpError(403, `mandel serve does not answer requests made by other sites' pages (Sec-Fetch-Site: ${site})`, 'ERR_ORIGIN');
  }
  if (method === 'GET' || method === 'HEAD') return;
  const origin = request.headers.origin;
  if (origin !== undefined && (host === undefined || origin.toLowerCase() !== `http://${host.toLowerCase()}`)) {
    throw new HttpError(
      403,
      `a ${method} from ${JSON.stringify(origin.slice(0, 100))}, not from this server's own pages, is refused`,
      'ERR_ORIGIN',
    );
  }
  if (method === 'POST' && !/^application\/json\s*(;|$)/i.test(request.headers['content-type'] ?? '')) {
    throw new HttpError(415, 'a POST must be sent as Content-Type: application/json', 'ERR_MEDIA_TYPE');
  }
}

/** The name part of a Host header, lower-case ("[::1]:8080" → "::1"); undefined if malformed. */
function hostName(host: string): string | undefined {
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]+))(?::\d{1,5})?$/.exec(host.trim());
  if (!match) return undefined;
  return (match[1] ?? match[2]!).toLowerCase().replace(/\.$/, '');
}

export function allow(method: string, methods: string[]): void {
  if (!methods.includes(method))
    throw new HttpError(405, `${method} is not allowed here; use ${methods.join(' or ')}`, 'ERR_METHOD', { Allow: methods.join(', ') });
}

export async function readJson(request: IncomingMessage): Promise<unknown> {
  const declared = Number(request.headers['content-length'] ?? 0);
  if (declared > MAX_BODY_BYTES) throw new HttpError(413, `the body is over ${MAX_BODY_BYTES} bytes`, 'ERR_TOO_LARGE');
  const parts: Buffer[] = [];
  let size = 0;
  for await (const part of request) {
    size += (part as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new HttpError(413, `the body is over ${MAX_BODY_BYTES} bytes`, 'ERR_TOO_LARGE');
    parts.push(part as Buffer);
  }
  const text = Buffer.concat(parts).toString('utf8');
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text);
  } catch {
    throw new HttpError(400, 'the body is not JSON', 'ERR_BAD_REQUEST');
  }
}

export function send(response: ServerResponse, status: number, body: Buffer, type: string, headers: Record<string, string> = {}): void {
  response.writeHead(status, {
    'Content-Type': type,
    'Content-Length': body.length,
    'X-Content-Type-Options': 'nosniff',
    // No other site may frame the pages (clickjacking) or learn a URL with a token from them.
    'X-Frame-Options': 'DENY',
    'Content-Security-Policy': "frame-ancestors 'none'",
    'Referrer-Policy': 'no-referrer',
    ...headers,
  });
  response.end(body);
}

export function sendJson(response: ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}): void {
  send(response, status, Buffer.from(JSON.stringify(value)), 'application/json', headers);
}

/** The bytes under a typed array, without a copy. */
export const bytesOf = (array: ArrayBufferView): Buffer => Buffer.from(array.buffer, array.byteOffset, array.byteLength);
