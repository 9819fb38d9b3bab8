/**
 * TLS material made by the test with Debian's openssl: a throw-away CA, a server certificate for
 * 127.0.0.1 (IP and DNS SANs), and a client certificate (for an engine that verifies its clients).
 * Keys never leave the test's folder; nothing is trusted system-wide.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

export interface TestCerts {
  readonly dir: string;
  /** PEM files, named as the Docker CLI expects them in DOCKER_CERT_PATH (ca.pem, cert.pem, key.pem). */
  readonly ca: string;
  readonly caKey: string;
  readonly serverCert: string;
  readonly serverKey: string;
  readonly clientCert: string;
  readonly clientKey: string;
}

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

/** Makes (or reuses, when complete) a CA, a 127.0.0.1 server pair and a client pair under `dir`. */
export function makeTestCerts(dir: string, commonName = 'podvisor-test'): TestCerts {
  fs.mkdirSync(dir, { recursive: true });
  const f = (n: string) => path.join(dir, n);
  const out: TestCerts = {
    dir,
    ca: f('ca.pem'),
    caKey: f('ca-key.pem'),
    serverCert: f('server-cert.pem'),
    serverKey: f('server-key.pem'),
    clientCert: f('cert.pem'),
    clientKey: f('key.pem'),
  };
  if (Object.values<string>({ ...out }).every((p) => fs.existsSync(p))) return out;
  const days = ['-days', '30'];
  openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', out.caKey], dir);
  openssl(
    [
      'req',
      '-x509',
      '-new',
      '-key',
      out.caKey,
      '-sha256',
      ...days,
      '-subj',
      `/CN=${commonName} CA`,
      '-out',
      out.ca,
    ],
    dir,
  );
  const leaf = (key: string, cert: string, cn: string, ext: string) => {
    const extFile = f(`${path.basename(cert)}.ext`);
    fs.writeFileSync(extFile, ext);
    const csr = f(`${path.basename(cert)}.csr`);
    openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', key], dir);
    openssl(['req', '-new', '-key', key, '-subj', `/CN=${cn}`, '-out', csr], dir);
    openssl(
      [
        'x509',
        '-req',
        '-in',
        csr,
        '-CA',
        out.ca,
        '-CAkey',
        out.caKey,
        '-CAcreateserial',
        '-sha256',
        ...days,
        '-extfile',
        extFile,
        '-out',
        cert,
      ],
      dir,
    );
    fs.rmSync(csr, { force: true });
    fs.rmSync(extFile, { force: true });
  };
  leaf(
    out.serverKey,
    out.serverCert,
    '127.0.0.1',
    'subjectAltName = IP:127.0.0.1, DNS:localhost\nextendedKeyUsage = serverAuth\n',
  );
  leaf(out.clientKey, out.clientCert, `${commonName} client`, 'extendedKeyUsage = clientAuth\n');
  for (const k of [out.caKey, out.serverKey, out.clientKey]) fs.chmodSync(k, 0o600);
  return out;
}
