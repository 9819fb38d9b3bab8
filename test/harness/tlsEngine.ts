/**
 * A private Docker engine that listens on tcp://127.0.0.1:PORT with `--tlsverify`, as a remote
 * engine secured the documented way: a CA, a server certificate for 127.0.0.1 and a client
 * certificate, all made here with openssl in the engine's own folder. It also listens on its
 * own unix socket, so a test can check what happened on it without TLS. Its own data-root,
 * exec-root, pidfile, bridge and subnet (by slot, beside the shared engine's); stopped by pid.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { freePort } from '../../src/common/net';
import { startPrivateDockerd, stopPrivateDockerd, type PrivateDockerd } from './dockerd';
import { runSlot } from './slot';

export interface TlsEngine {
  /** `tcp://127.0.0.1:PORT` (TLS, client certificate required). */
  readonly host: string;
  /** `unix://…` of the same engine, for the test's own checks. */
  readonly unixHost: string;
  /** ca.pem, cert.pem, key.pem for clients (DOCKER_CERT_PATH layout). */
  readonly clientCertDir: string;
  readonly dockerd: PrivateDockerd;
  readonly dir: string;
}

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

/** A CA, a server certificate (IP 127.0.0.1) and a client certificate, all ECDSA P-256, valid 2 days. */
export function makeCerts(dir: string): { server: string; client: string } {
  const server = path.join(dir, 'server');
  const client = path.join(dir, 'client');
  fs.mkdirSync(server, { recursive: true });
  fs.mkdirSync(client, { recursive: true });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl(
    [
      'req',
      '-x509',
      ...ec,
      '-keyout',
      'ca-key.pem',
      '-out',
      'ca.pem',
      '-days',
      '2',
      '-subj',
      '/CN=podvisor test CA',
    ],
    dir,
  );
  const sign = (name: string, cn: string, ext: string) => {
    fs.writeFileSync(path.join(dir, `${name}.ext`), ext);
    openssl(['req', ...ec, '-keyout', `${name}-key.pem`, '-out', `${name}.csr`, '-subj', `/CN=${cn}`], dir);
    openssl(
      [
        'x509',
        '-req',
        '-in',
        `${name}.csr`,
        '-CA',
        'ca.pem',
        '-CAkey',
        'ca-key.pem',
        '-CAcreateserial',
        '-out',
        `${name}-cert.pem`,
        '-days',
        '2',
        '-extfile',
        `${name}.ext`,
      ],
      dir,
    );
  };
  sign('server', '127.0.0.1', 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
  sign('client', 'podvisor-test-client', 'extendedKeyUsage=clientAuth\n');
  fs.copyFileSync(path.join(dir, 'ca.pem'), path.join(server, 'ca.pem'));
  fs.copyFileSync(path.join(dir, 'server-cert.pem'), path.join(server, 'cert.pem'));
  fs.copyFileSync(path.join(dir, 'server-key.pem'), path.join(server, 'key.pem'));
  fs.copyFileSync(path.join(dir, 'ca.pem'), path.join(client, 'ca.pem'));
  fs.copyFileSync(path.join(dir, 'client-cert.pem'), path.join(client, 'cert.pem'));
  fs.copyFileSync(path.join(dir, 'client-key.pem'), path.join(client, 'key.pem'));
  return { server, client };
}

export interface TlsEngineOptions {
  /** Parent of the engine's folder (default /tmp). */
  readonly baseDir?: string;
  /** Which subnet/bridge: the run's slot by default (10.232.SLOT.0/24, bridge pvtls SLOT). */
  readonly slot?: number;
}

export async function startTlsEngine(opts: TlsEngineOptions = {}): Promise<TlsEngine> {
  const slot = opts.slot ?? runSlot();
  const dir = path.join(opts.baseDir ?? '/tmp', `podvisor-tls-engine-${slot}-${process.pid}`);
  fs.rmSync(path.join(dir, 'certs'), { recursive: true, force: true });
  fs.mkdirSync(path.join(dir, 'certs'), { recursive: true });
  const certs = makeCerts(path.join(dir, 'certs'));
  const port = await freePort();
  const host = `tcp://127.0.0.1:${port}`;
  const dockerd = await startPrivateDockerd(dir, {
    bridge: `pvtls${slot}`,
    cidr: `10.232.${slot}.1/24`,
    extraArgs: [
      '-H',
      host,
      '--tlsverify',
      '--tlscacert',
      path.join(certs.server, 'ca.pem'),
      '--tlscert',
      path.join(certs.server, 'cert.pem'),
      '--tlskey',
      path.join(certs.server, 'key.pem'),
    ],
  });
  return { host, unixHost: dockerd.host, clientCertDir: certs.client, dockerd, dir };
}

export async function stopTlsEngine(e: TlsEngine): Promise<void> {
  await stopPrivateDockerd(e.dockerd);
  fs.rmSync(e.dir, { recursive: true, force: true });
}
