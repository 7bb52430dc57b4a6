/**
 * The HTTP plumbing of `mandel serve`, apart from its routes: typed errors that become one
 * line of JSON, bounded JSON bodies, method checks, the access token, and responses.
 */
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

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
  const ok = given !== undefined && given.length === token.length && timingSafeEqual(Buffer.from(given), Buffer.from(token));
  if (!ok) throw new HttpError(401, 'a token is required: open the URL mandel serve printed', 'ERR_UNAUTHORISED');
  if (url.searchParams.has('token')) response.setHeader('Set-Cookie', `mandel_token=${token}; HttpOnly; SameSite=Strict; Path=/`);
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
  response.writeHead(status, { 'Content-Type': type, 'Content-Length': body.length, 'X-Content-Type-Options': 'nosniff', ...headers });
  response.end(body);
}

export function sendJson(response: ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}): void {
  send(response, status, Buffer.from(JSON.stringify(value)), 'application/json', headers);
}

/** The bytes under a typed array, without a copy. */
export const bytesOf = (array: ArrayBufferView): Buffer => Buffer.from(array.buffer, array.byteOffset, array.byteLength);
