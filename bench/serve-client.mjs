/**
 * bench/serve.ts's browser: a worker thread with its own event loop (as a browser has its own
 * process) that fetches tiles as the explorer does — over as many connections as bench/serve.ts
 * asks, uint16 counts and their smooth fractions, gzip accepted, each body joined into one buffer and read as counts — and
 * reports the wall time.
 * Its work still runs on this machine's two cores, as a local browser's would.
 */
import { Agent, request } from 'node:http';
import { parentPort } from 'node:worker_threads';
import { gunzipSync } from 'node:zlib';

function get(agent, url) {
  return new Promise((resolve, reject) => {
    request(url, { agent, headers: { 'Accept-Encoding': 'gzip' } }, (response) => {
      const parts = [];
      response.on('data', (part) => parts.push(part));
      response.on('end', () => {
        const body = Buffer.concat(parts);
        const bytes = response.headers['content-encoding'] === 'gzip' ? gunzipSync(body) : body;
        // uint16 counts, then (X-Mandel-Smooth) float32 fractions, read as the explorer reads them.
        const smooth = response.headers['x-mandel-smooth'] !== undefined;
        const expected = 256 * 256 * (smooth ? 6 : 2);
        if (response.statusCode === 200 && bytes.length !== expected) return reject(new Error(`a tile of ${bytes.length} bytes`));
        if (response.statusCode === 200) {
          // Buffer.concat of a body this size is a buffer of its own, at offset 0, as fetch's arrayBuffer().
          new Uint16Array(bytes.buffer, bytes.byteOffset, 256 * 256);
          if (smooth) new Float32Array(bytes.buffer, bytes.byteOffset + 256 * 256 * 2, 256 * 256);
        }
        resolve(response.statusCode ?? 0);
      });
    })
      .on('error', reject)
      .end();
  });
}

parentPort.on('message', async ({ id, urls, connections }) => {
  const agent = new Agent({ keepAlive: true, maxSockets: connections });
  const started = performance.now();
  try {
    const statuses = await Promise.all(urls.map((url) => get(agent, url)));
    parentPort.postMessage({ id, ms: performance.now() - started, statuses });
  } catch (error) {
    parentPort.postMessage({ id, error: error.message });
  } finally {
    agent.destroy();
  }
});
