import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { consoleLogger } from '../../../src/common/log';
import type { DockerClient } from '../../../src/backends/docker/client';
import { LABEL } from '../../../src/sandbox/names';
import type { LaunchContext } from '../../../src/sandbox/phases';

export const log = consoleLogger('sandbox-test');
export const ctx: LaunchContext = { log };

/** A temporary workspace with a devcontainer.json (object → JSON, string → written as is). */
export function makeWorkspace(devcontainer: object | string, files: Record<string, string> = {}): string {
  const ws = fs.mkdtempSync(path.join(os.tmpdir(), 'pv-sbx-ws-'));
  fs.mkdirSync(path.join(ws, '.devcontainer'));
  fs.writeFileSync(
    path.join(ws, '.devcontainer', 'devcontainer.json'),
    typeof devcontainer === 'string' ? devcontainer : JSON.stringify(devcontainer, null, 2),
  );
  for (const [p, c] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(ws, p)), { recursive: true });
    fs.writeFileSync(path.join(ws, p), c);
  }
  return ws;
}

/** Everything on the engine that carries a sandbox label (containers and built images). */
export async function leftovers(engine: DockerClient, name?: string): Promise<string[]> {
  const sel = name ? { [LABEL.sandbox]: name } : { [LABEL.sandbox]: true as const };
  const cs = await engine.listContainers({ labels: sel });
  const imgs = await engine.listImages({ labels: name ? { [LABEL.built]: name } : { [LABEL.built]: true } });
  return [
    ...cs.map((c) => `container ${c.name}`),
    ...imgs.map((i) => `image ${i.repoTags.join(',') || i.id}`),
  ];
}

/** The host's first non-loopback IPv4 address (to check ports are not published there). */
export function nonLoopbackAddress(): string | undefined {
  for (const list of Object.values(os.networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return undefined;
}

/** Connects and reads what the server sends after a request line; rejects on refusal. */
export function httpGet(host: string, port: number, timeoutMs = 3000): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host, port });
    let data = '';
    const t = setTimeout(() => {
      s.destroy();
      reject(new Error('timeout'));
    }, timeoutMs);
    s.on('connect', () => s.write(`GET / HTTP/1.0\r\nHost: ${host}\r\n\r\n`));
    s.on('data', (d) => (data += d.toString()));
    s.on('end', () => {
      clearTimeout(t);
      resolve(data);
    });
    s.on('error', (e) => {
      clearTimeout(t);
      reject(e);
    });
  });
}

export async function waitFor<T>(
  f: () => Promise<T | undefined>,
  timeoutMs: number,
  what: string,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < end) {
    try {
      const v = await f();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(
    `timed out waiting for ${what}${last ? `: ${last instanceof Error ? last.message : JSON.stringify(last)}` : ''}`,
  );
}
