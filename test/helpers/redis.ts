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
import { Redis, type RedisOptions } from 'ioredis';

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
  private readonly clients = new Set<Redis>();
  private destroyed = false;
  private constructor(
    readonly port: number,
    private readonly extraArgs: string[],
  ) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /**
   * A bare ioredis client of this server, for a test to look at or forge keys. It is the
   * server's to end: `destroy()` disconnects every client still open, so a test that fails
   * before its own `disconnect()` cannot leave one reconnecting to a dead port for ever
   * (that kept a test file's process alive and hung CI). Its errors reach the command
   * that failed; the 'error' listener only keeps ioredis from printing them.
   */
  client(options: RedisOptions = {}): Redis {
    if (this.destroyed) throw new Error(`redis on port ${this.port} is destroyed: a test outlived its suite`);
    const redis = new Redis(this.port, '127.0.0.1', options);
    redis.on('error', () => {});
    redis.once('end', () => this.clients.delete(redis));
    this.clients.add(redis);
    return redis;
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
    const child = spawn(redisServerPath()!, args, { stdio: 'ignore' });
    this.process = child;
    // A test file that ends without stopping its server (a failure, --test-force-exit) must
    // not leave it running behind it.
    const orphan = () => child.kill('SIGKILL');
    process.once('exit', orphan);
    child.once('exit', () => process.off('exit', orphan));
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
    this.destroyed = true;
    for (const redis of this.clients) redis.disconnect();
    this.clients.clear();
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * A real Redis Cluster of three masters (no replicas) on free loopback ports, made with
 * `redis-cli --cluster create`, for the test of the cluster backend on Redis Cluster.
 */
export class RedisClusterServer {
  private constructor(readonly nodes: RedisServer[]) {}

  /** One node's address: enough for a client, which finds the others. */
  get url(): string {
    return `redis+cluster://127.0.0.1:${this.nodes[0]!.port}`;
  }

  static async start(masters = 3): Promise<RedisClusterServer> {
    const nodes: RedisServer[] = [];
    for (let i = 0; i < masters; i++) {
      nodes.push(
        await RedisServer.start(undefined, ['--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf', '--appendonly', 'no']),
      );
    }
    const cluster = new RedisClusterServer(nodes);
    try {
      const cli = ['/usr/bin/redis-cli', '/usr/local/bin/redis-cli'].find((path) => existsSync(path));
      if (!cli) throw new Error('no redis-cli (Debian: redis-tools)');
      await new Promise<void>((resolve, reject) => {
        const child = spawn(
          cli,
          ['--cluster', 'create', ...nodes.map((n) => `127.0.0.1:${n.port}`), '--cluster-replicas', '0', '--cluster-yes'],
          {
            stdio: 'ignore',
          },
        );
        child.once('error', reject);
        child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`redis-cli --cluster create exited with ${code}`))));
      });
      // Every node must see every slot served before a client may count on it.
      const deadline = Date.now() + 15_000;
      for (const node of nodes) {
        for (;;) {
          const info = await clusterInfo(node.port);
          if (/cluster_state:ok/.test(info)) break;
          if (Date.now() > deadline) throw new Error(`node ${node.port}: ${info.trim().split('\n')[0]}`);
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      }
    } catch (error) {
      await cluster.destroy();
      throw error;
    }
    return cluster;
  }

  async destroy(): Promise<void> {
    for (const node of this.nodes) await node.destroy();
  }
}

/** `CLUSTER INFO` of one node, over a bare socket (RESP), without a client library. */
function clusterInfo(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = new Socket();
    let text = '';
    socket.once('error', reject);
    socket.on('data', (data: Buffer) => {
      text += data.toString();
      const header = /^\$(\d+)\r\n/.exec(text);
      if (header && text.length >= header[0].length + Number(header[1])) {
        socket.destroy();
        resolve(text.slice(header[0].length));
      }
    });
    socket.connect(port, '127.0.0.1', () => socket.write('CLUSTER INFO\r\n'));
  });
}
