/**
 * A private image registry for tests: Debian's `docker-registry` (the CNCF distribution, registry
 * API v2) on 127.0.0.1 with TLS (certificates made by the test) and htpasswd auth (bcrypt, made
 * with Debian's htpasswd), storage in its own folder, deletes enabled. Stopped by pid.
 *
 * Engines reach it without any system-wide trust change: the Docker daemon treats 127.0.0.0/8 as
 * an insecure registry by default (TLS without verification), Podman is told `tlsVerify=false`.
 */
import { execFileSync, spawn } from 'child_process';
import * as fs from 'fs';
import * as https from 'https';
import * as path from 'path';
import { freePort } from '../../src/common/net';
import { makeTestCerts, type TestCerts } from './certs';
import { stopPid } from './dockerd';

export const REGISTRY_BIN = '/usr/bin/docker-registry';
export const HTPASSWD_BIN = '/usr/bin/htpasswd';

export interface PrivateRegistry {
  /** `127.0.0.1:PORT` — what image references start with. */
  readonly address: string;
  readonly url: string;
  readonly port: number;
  readonly pid: number;
  readonly dir: string;
  readonly user: string;
  readonly password: string;
  readonly certs: TestCerts;
}

function get(url: string, ca: string): Promise<number> {
  return new Promise((resolve) => {
    const req = https.get(url, { ca: fs.readFileSync(ca), timeout: 1000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', () => resolve(0));
    req.on('timeout', () => {
      req.destroy();
      resolve(0);
    });
  });
}

/** Starts the registry under `dir` (port chosen by the kernel unless given) and waits for /v2/. */
export async function startPrivateRegistry(
  dir: string,
  opts: { port?: number; user?: string; password?: string; timeoutMs?: number } = {},
): Promise<PrivateRegistry> {
  for (const bin of [REGISTRY_BIN, HTPASSWD_BIN])
    if (!fs.existsSync(bin))
      throw new Error(`${bin} is not installed (Debian packages docker-registry, apache2-utils)`);
  const { user = 'pvtest', password = `pw-${process.pid}-ok`, timeoutMs = 20_000 } = opts;
  fs.mkdirSync(path.join(dir, 'data'), { recursive: true });
  const certs = makeTestCerts(path.join(dir, 'certs'), 'podvisor-registry');
  const htpasswd = path.join(dir, 'htpasswd');
  // -B bcrypt (the only hash distribution accepts), -b password from argv, -n print; no shell.
  fs.writeFileSync(htpasswd, execFileSync(HTPASSWD_BIN, ['-Bbn', user, password], { encoding: 'utf8' }));
  const port = opts.port ?? (await freePort());
  const config = path.join(dir, 'config.yml');
  // YAML written by hand: every value is ours (paths under `dir`, a number).
  fs.writeFileSync(
    config,
    [
      'version: 0.1',
      'log:',
      '  level: warn',
      'storage:',
      '  filesystem:',
      `    rootdirectory: ${JSON.stringify(path.join(dir, 'data'))}`,
      '  delete:',
      '    enabled: true',
      'http:',
      `  addr: 127.0.0.1:${port}`,
      '  tls:',
      `    certificate: ${JSON.stringify(certs.serverCert)}`,
      `    key: ${JSON.stringify(certs.serverKey)}`,
      'auth:',
      '  htpasswd:',
      '    realm: podvisor-test',
      `    path: ${JSON.stringify(htpasswd)}`,
      '',
    ].join('\n'),
  );
  const logFd = fs.openSync(path.join(dir, 'registry.log'), 'a');
  const child = spawn(REGISTRY_BIN, ['serve', config], {
    detached: true,
    stdio: ['ignore', logFd, logFd],
    cwd: dir,
  });
  fs.closeSync(logFd);
  child.unref();
  const url = `https://127.0.0.1:${port}`;
  const t0 = Date.now();
  while (Date.now() - t0 < timeoutMs) {
    // 401 = up and asking for credentials.
    if ((await get(`${url}/v2/`, certs.ca)) === 401)
      return { address: `127.0.0.1:${port}`, url, port, pid: child.pid!, dir, user, password, certs };
    if (child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  stopPid(child.pid!, 3000);
  const tail = fs.readFileSync(path.join(dir, 'registry.log'), 'utf8').split('\n').slice(-10).join('\n');
  throw new Error(`private registry did not come up in ${timeoutMs} ms:\n${tail}`);
}

export function stopPrivateRegistry(r: Pick<PrivateRegistry, 'pid'>): void {
  stopPid(r.pid, 5000);
}
