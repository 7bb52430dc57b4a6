/**
 * A real redis-server for the cluster tests: started on a free loopback port in a fresh
 * temporary directory with `appendonly yes`, stopped (and restartable on the same port and
 * data) by the test itself. Never talks to anything but 127.0.0.1.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function redisServerPath(): string | undefined {
  return ['/usr/bin/redis-server', '/usr/local/bin/redis-server'].find((path) => existsSync(path));
}

/** Why the Redis tests cannot run here, or undefined; in CI a missing server is a failure. */
export function redisSkipReason(): string | undefined {
  if (redisServerPath()) return undefined;
  if (process.env.CI) throw new Error('CI=true but no redis-server: .ci/run (npm test) should have installed it');
  return 'no redis-server on this machine (apt-get install redis-server)';
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function waitForPort(port: number, up: boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = new Socket();
      socket.once('connect', () => (socket.destroy(), resolve(true)));
      socket.once('error', () => resolve(false));
      socket.connect(port, '127.0.0.1');
    });
    if (open === up) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`redis on port ${port} did not come ${up ? 'up' : 'down'} within ${timeoutMs} ms`);
}

export class RedisServer {
  readonly dir = mkdtempSync(join(tmpdir(), 'mandel-redis-'));
  private process?: ChildProcess;
  private constructor(
    readonly port: number,
    private readonly extraArgs: string[],
  ) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** On a free port, or on `port` (to bring a server up where a client already waits). */
  static async start(port?: number, extraArgs: string[] = []): Promise<RedisServer> {
    const server = new RedisServer(port ?? (await freePort()), extraArgs);
    await server.startProcess();
    return server;
  }

  private async startProcess(): Promise<void> {
    const args = [
      '--port',
      String(this.port),
      '--bind',
      '127.0.0.1',
      '--dir',
      this.dir,
      '--appendonly',
      'yes',
      '--save',
      '',
      '--maxmemory-policy',
      'noeviction',
      ...this.extraArgs,
    ];
    this.process = spawn(redisServerPath()!, args, { stdio: 'ignore' });
    await waitForPort(this.port, true);
  }

  /** Stops the server, its AOF on disk; `restart` brings it back with the same data. */
  async stop(): Promise<void> {
    const child = this.process;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM'); // redis-server flushes the AOF and exits on SIGTERM
    await exited;
    await waitForPort(this.port, false);
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.startProcess();
  }

  async destroy(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
