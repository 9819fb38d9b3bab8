/**
 * The test cluster's keys and certificates, made with openssl (argument arrays, EC P-256 keys:
 * fast to make): a cluster CA (serving certs and client certs), a front-proxy CA (the
 * aggregation layer's client identity, a separate trust root as kubeadm keeps it), the
 * service-account signing key, and a second CA that trusts nothing (the "bad CA" kubeconfig).
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

export interface KeyPair {
  readonly cert: string;
  readonly key: string;
}

export interface ClusterPki {
  readonly dir: string;
  readonly ca: KeyPair;
  readonly frontProxyCa: KeyPair;
  /** An unrelated CA: a kubeconfig naming it must fail TLS verification. */
  readonly otherCa: KeyPair;
  readonly apiserver: KeyPair;
  readonly frontProxyClient: KeyPair;
  /** Client cert of an admin (O=system:masters), for client-certificate auth. */
  readonly adminClient: KeyPair;
  readonly serviceAccountKey: string;
  readonly serviceAccountPub: string;
}

const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

function openssl(args: string[]): void {
  execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

function makeCa(dir: string, name: string): KeyPair {
  const pair = { cert: path.join(dir, `${name}.crt`), key: path.join(dir, `${name}.key`) };
  openssl([
    'req',
    '-x509',
    ...EC,
    '-keyout',
    pair.key,
    '-out',
    pair.cert,
    '-days',
    '3650',
    '-subj',
    `/CN=${name}`,
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign,digitalSignature',
  ]);
  return pair;
}

/** A leaf certificate signed by `ca`; `sans` like ['IP:127.0.0.1', 'DNS:localhost']. */
export function makeLeaf(
  dir: string,
  name: string,
  ca: KeyPair,
  subject: string,
  opts: { sans?: string[]; usage: 'server' | 'client' | 'both' },
): KeyPair {
  const pair = { cert: path.join(dir, `${name}.crt`), key: path.join(dir, `${name}.key`) };
  const eku = { server: 'serverAuth', client: 'clientAuth', both: 'serverAuth,clientAuth' }[opts.usage];
  openssl([
    'req',
    '-x509',
    '-CA',
    ca.cert,
    '-CAkey',
    ca.key,
    ...EC,
    '-keyout',
    pair.key,
    '-out',
    pair.cert,
    '-days',
    '3650',
    '-subj',
    subject,
    '-addext',
    'basicConstraints=critical,CA:FALSE',
    '-addext',
    'keyUsage=critical,digitalSignature,keyEncipherment',
    '-addext',
    `extendedKeyUsage=${eku}`,
    ...(opts.sans?.length ? ['-addext', `subjectAltName=${opts.sans.join(',')}`] : []),
  ]);
  return pair;
}

/** Makes (or reuses, when complete) the PKI under `dir`. */
export function ensurePki(dir: string): ClusterPki {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const done = path.join(dir, '.complete');
  const sa = path.join(dir, 'sa.key');
  const pki: ClusterPki = {
    dir,
    ca: { cert: path.join(dir, 'ca.crt'), key: path.join(dir, 'ca.key') },
    frontProxyCa: { cert: path.join(dir, 'front-proxy-ca.crt'), key: path.join(dir, 'front-proxy-ca.key') },
    otherCa: { cert: path.join(dir, 'other-ca.crt'), key: path.join(dir, 'other-ca.key') },
    apiserver: { cert: path.join(dir, 'apiserver.crt'), key: path.join(dir, 'apiserver.key') },
    frontProxyClient: {
      cert: path.join(dir, 'front-proxy-client.crt'),
      key: path.join(dir, 'front-proxy-client.key'),
    },
    adminClient: { cert: path.join(dir, 'admin-client.crt'), key: path.join(dir, 'admin-client.key') },
    serviceAccountKey: sa,
    serviceAccountPub: `${sa}.pub`,
  };
  if (fs.existsSync(done)) return pki;
  const ca = makeCa(dir, 'ca');
  const fp = makeCa(dir, 'front-proxy-ca');
  makeCa(dir, 'other-ca');
  makeLeaf(dir, 'apiserver', ca, '/CN=kube-apiserver', {
    sans: ['IP:127.0.0.1', 'DNS:localhost', 'DNS:kubernetes', 'DNS:kubernetes.default.svc', 'IP:10.0.0.1'],
    usage: 'server',
  });
  makeLeaf(dir, 'front-proxy-client', fp, '/CN=front-proxy-client', { usage: 'client' });
  makeLeaf(dir, 'admin-client', ca, '/O=system:masters/CN=cert-admin', { usage: 'client' });
  // SEC1 ("EC PRIVATE KEY"): Kubernetes' key reader takes no PKCS#8 for service-account keys.
  openssl(['ecparam', '-genkey', '-name', 'prime256v1', '-noout', '-out', sa]);
  openssl(['ec', '-in', sa, '-pubout', '-out', `${sa}.pub`]);
  fs.writeFileSync(done, '');
  return pki;
}
