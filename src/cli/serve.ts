/**
 * `mandel serve`: the explorer and the dashboard, in a browser, over a backend kept warm —
 * the threads pool here, or the cluster through Redis. Loopback only unless told otherwise,
 * and then behind a token printed in the URL. Ctrl-C closes the server and the pool.
 */
import { networkInterfaces } from 'node:os';
import { Command, InvalidArgumentError, Option } from 'commander';
import { InvalidOptionError } from '../errors.js';
import { positiveInteger } from './parse.js';
import { addRedisOptions, type RedisFlags } from './options.js';

interface ServeFlags extends RedisFlags {
  port: number;
  host: string;
  backend: 'threads' | 'cluster';
  workers?: number;
  token?: string;
  maxInFlight: number;
  allowHost: string[];
}

export function serveCommand(signal: AbortSignal): Command {
  const command = new Command('serve').description('explore the set and watch the parallel work, live, in a browser');
  return addRedisOptions(
    command
      .option('--port <n>', 'TCP port (0: any free one)', (text) => (text === '0' ? 0 : positiveInteger(8080)(text)), 8080)
      .option('--host <address>', 'address to listen on; anything but 127.0.0.1, ::1 or localhost needs a token', '127.0.0.1')
      .addOption(new Option('--backend <name>', 'where tiles and renders run').choices(['threads', 'cluster']).default('threads'))
      .option('-w, --workers <n>', 'threads of the threads backend (default: available parallelism)', positiveInteger(2))
      .option('--token <secret>', 'the access token (default off loopback: a random one, printed in the URL)')
      .option('--max-in-flight <n>', 'tile renders in flight at once; more are answered 503', positiveInteger(64), 64)
      .option(
        '--allow-host <name>',
        'a host name the server answers to besides IP addresses and localhost (repeatable; any other Host header gets 403)',
        (name: string, names: string[]) => [...names, hostNameOption(name)],
        [] as string[],
      ),
  ).action(async (flags: ServeFlags, self: Command) => {
    const { startServer } = await import('../serve/server.js');
    const { backend, cluster, close } = await openBackend(flags);
    try {
      const server = await startServer({
        backend,
        host: flags.host,
        port: flags.port,
        maxInFlight: flags.maxInFlight,
        allowedHosts: flags.allowHost,
        // The cluster takes as many tiles as its workers can; a queued job is cheap to cancel.
        ...(cluster ? { concurrency: flags.maxInFlight, cancelRunning: true } : {}),
        ...(flags.token ? { token: flags.token } : {}),
        ...(cluster ? { cluster } : {}),
      }).catch((error: NodeJS.ErrnoException) => {
        throw listenError(error, flags.host, flags.port);
      });
      // On every address (0.0.0.0, ::) the URL names none another host can open: list the machine's own.
      const urls = WILDCARD.has(flags.host) ? reachableUrls(server.url, flags.host) : [server.url];
      process.stdout.write(
        `mandel serve: ${backend.name} backend, ${backend.workers} worker${backend.workers === 1 ? '' : 's'}\n` +
          urls.map((url) => `  explorer:  ${url}\n  dashboard: ${url.replace(/\/(\?|$)/, '/dashboard$1')}\n`).join('') +
          (server.token ? '  every request needs the token in this URL (or its cookie)\n' : '') +
          'Ctrl-C stops it.\n',
      );
      await new Promise<void>((resolve) =>
        signal.aborted ? resolve() : signal.addEventListener('abort', () => resolve(), { once: true }),
      );
      await server.close();
    } finally {
      await close();
    }
    process.stderr.write('mandel: serve stopped\n');
    self.setOptionValue('exitCode', 130);
  });
}

const WILDCARD = new Set(['0.0.0.0', '::', '[::]']);

/** The server's URL on each address of this machine's interfaces (IPv4 for 0.0.0.0; both for ::). */
function reachableUrls(url: string, host: string): string[] {
  const addresses = Object.values(networkInterfaces())
    .flatMap((entries) => entries ?? [])
    .filter((entry) => host !== '0.0.0.0' || entry.family === 'IPv4')
    .filter((entry) => !entry.address.startsWith('fe80:')) // link-local: needs a zone, no browser opens it
    .map((entry) => (entry.family === 'IPv6' ? `[${entry.address}]` : entry.address));
  const shown = /^http:\/\/(\[[^\]]+\]|[^:/]+)/.exec(url)![1]!;
  return addresses.length > 0 ? addresses.map((address) => url.replace(shown, address)) : [url];
}

/** Listening failed: a port in use or not allowed is bad usage, said in one line (exit 2). */
function listenError(error: NodeJS.ErrnoException, host: string, port: number): Error {
  if (error.code === 'EADDRINUSE')
    return new InvalidOptionError(`port ${port} on ${host} is in use; choose another with --port N, or --port 0 for any free one`);
  if (error.code === 'EACCES')
    return new InvalidOptionError(`port ${port} on ${host} needs privileges this process lacks; choose a port above 1023`);
  if (error.code === 'EADDRNOTAVAIL')
    return new InvalidOptionError(`${host} is not an address of this machine; choose one of its addresses with --host`);
  return error;
}

/** A DNS name as --allow-host takes it: letters, digits, dots and dashes. */
function hostNameOption(name: string): string {
  if (!/^[A-Za-z0-9]([A-Za-z0-9-]{0,62})(\.[A-Za-z0-9]([A-Za-z0-9-]{0,62}))*$/.test(name)) {
    throw new InvalidArgumentError(`expected a host name such as mandel.example.org (got ${JSON.stringify(name)})`);
  }
  return name;
}

async function openBackend(flags: ServeFlags) {
  if (flags.backend === 'threads') {
    const { ThreadsBackend } = await import('../backends/threads.js');
    const backend = new ThreadsBackend({ workers: flags.workers });
    await backend.start();
    return { backend, cluster: undefined, close: () => backend.close() };
  }
  if (flags.workers !== undefined) {
    throw new InvalidOptionError('the cluster backend has as many workers as run `mandel worker`; drop --workers');
  }
  const { ClusterBackend } = await import('../cluster/index.js');
  const { checkRedisUrl } = await import('../cluster/url.js');
  const redis = checkRedisUrl(flags.redis);
  const options = { redis, prefix: flags.prefix, timeoutMs: flags.timeout * 1000 };
  const backend = new ClusterBackend(options);
  await backend.start();
  return { backend, cluster: backend.client, close: () => backend.close() };
}
