/**
 * A real Kubernetes control plane for tests: etcd and kube-apiserver (and optionally
 * kube-controller-manager) on 127.0.0.1, free ports, their own data dirs under `dir`, RBAC on,
 * token users (an admin in system:masters and "alice", limited to one namespace), client-cert
 * auth, service-account keys, and the aggregation layer configured (front-proxy client cert),
 * so an APIService can carry calls to an extension API server. Stopped by pid.
 */
import * as fs from 'fs';
import * as https from 'https';
import * as path from 'path';
import { stringify } from 'yaml';
import { freePort } from '../../../src/common/net';
import { alive, killDaemon, startDaemon, stopDaemon, stopStale, tail, type Daemon } from './daemon';
import { ensurePki, type ClusterPki } from './pki';
import { clusterTools, type ClusterTools } from './tools';

export const LIMITED_NAMESPACE = 'team-a';

export interface ControlPlaneOptions {
  /** Also run kube-controller-manager (namespace deletion, garbage collection, service-account tokens). */
  controllerManager?: boolean;
  log?: (s: string) => void;
  /** Extra kube-apiserver flags. */
  apiserverArgs?: string[];
}

export interface TokenUser {
  readonly name: string;
  readonly token: string;
  readonly groups: readonly string[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function randomToken(): string {
  return require('crypto').randomBytes(24).toString('hex');
}

export class ControlPlane {
  readonly server: string;
  readonly users: { readonly admin: TokenUser; readonly alice: TokenUser; readonly node: TokenUser };
  /** kubeconfig with contexts pv-admin (token, current) and pv-cert (client certificate). */
  readonly adminKubeconfig: string;
  /** kubeconfig of the limited user (context pv-alice, namespace team-a). */
  readonly aliceKubeconfig: string;
  private etcd?: Daemon;
  private apiserver?: Daemon;
  private kcm?: Daemon;
  private readonly apiserverArgv: string[];

  private constructor(
    readonly dir: string,
    readonly tools: ClusterTools,
    readonly pki: ClusterPki,
    readonly port: number,
    private readonly etcdPorts: [number, number],
    private readonly opts: ControlPlaneOptions,
  ) {
    this.server = `https://127.0.0.1:${port}`;
    const tokens = JSON.parse(fs.readFileSync(path.join(dir, 'tokens.json'), 'utf8'));
    this.users = tokens;
    this.adminKubeconfig = path.join(dir, 'admin.kubeconfig');
    this.aliceKubeconfig = path.join(dir, 'alice.kubeconfig');
    const [etcdClient] = etcdPorts;
    this.apiserverArgv = [
      `--etcd-servers=http://127.0.0.1:${etcdClient}`,
      '--bind-address=127.0.0.1',
      '--advertise-address=127.0.0.1',
      // Endpoints may not be loopback: no "kubernetes" service endpoints (nothing in-cluster needs them).
      '--endpoint-reconciler-type=none',
      `--secure-port=${port}`,
      `--cert-dir=${path.join(dir, 'apiserver-certs')}`,
      `--tls-cert-file=${pki.apiserver.cert}`,
      `--tls-private-key-file=${pki.apiserver.key}`,
      `--client-ca-file=${pki.ca.cert}`,
      '--service-cluster-ip-range=10.0.0.0/24',
      '--authorization-mode=RBAC',
      '--allow-privileged=true',
      `--token-auth-file=${path.join(dir, 'tokens.csv')}`,
      '--service-account-issuer=https://kubernetes.default.svc',
      `--service-account-key-file=${pki.serviceAccountPub}`,
      `--service-account-signing-key-file=${pki.serviceAccountKey}`,
      `--requestheader-client-ca-file=${pki.frontProxyCa.cert}`,
      '--requestheader-allowed-names=front-proxy-client',
      '--requestheader-username-headers=X-Remote-User',
      '--requestheader-group-headers=X-Remote-Group',
      '--requestheader-extra-headers-prefix=X-Remote-Extra-',
      `--proxy-client-cert-file=${pki.frontProxyClient.cert}`,
      `--proxy-client-key-file=${pki.frontProxyClient.key}`,
      '--enable-aggregator-routing=true',
      // The kubelet serves with a self-signed cert on the node's bridge address; logs, exec and
      // port-forward go to it, the API server proving itself with the admin client certificate.
      '--kubelet-preferred-address-types=InternalIP',
      `--kubelet-client-certificate=${pki.adminClient.cert}`,
      `--kubelet-client-key=${pki.adminClient.key}`,
      '--profiling=false',
      ...(opts.controllerManager ? [] : ['--disable-admission-plugins=ServiceAccount']),
      ...(opts.apiserverArgs ?? []),
    ];
  }

  /** Starts etcd + kube-apiserver under `dir` (created; an earlier run's processes there are stopped). */
  static async start(dir: string, opts: ControlPlaneOptions = {}): Promise<ControlPlane> {
    const tools = clusterTools();
    if ('missing' in tools) throw new Error(`Kubernetes tools ${tools.missing}`);
    fs.mkdirSync(dir, { recursive: true });
    for (const n of ['etcd', 'kube-apiserver', 'kube-controller-manager'])
      await stopStale(path.join(dir, `${n}.pid`), dir);
    const pki = ensurePki(path.join(dir, 'pki'));
    writeTokens(dir);
    const [port, etcdClient, etcdPeer] = [await freePort(), await freePort(), await freePort()];
    const cp = new ControlPlane(dir, tools, pki, port, [etcdClient, etcdPeer], opts);
    cp.writeKubeconfigs();
    try {
      await cp.startEtcd();
      await cp.startApiserver();
      if (opts.controllerManager) await cp.startControllerManager();
    } catch (e) {
      await cp.stop();
      throw e;
    }
    return cp;
  }

  get pids(): { etcd?: number; apiserver?: number; controllerManager?: number } {
    return { etcd: this.etcd?.pid, apiserver: this.apiserver?.pid, controllerManager: this.kcm?.pid };
  }

  private log(s: string): void {
    this.opts.log?.(s);
  }

  private async startEtcd(): Promise<void> {
    const [client, peer] = this.etcdPorts;
    const t0 = Date.now();
    this.etcd = startDaemon(
      'etcd',
      this.tools.etcd,
      [
        '--name=pv',
        `--data-dir=${path.join(this.dir, 'etcd-data')}`,
        `--listen-client-urls=http://127.0.0.1:${client}`,
        `--advertise-client-urls=http://127.0.0.1:${client}`,
        `--listen-peer-urls=http://127.0.0.1:${peer}`,
        `--initial-advertise-peer-urls=http://127.0.0.1:${peer}`,
        `--initial-cluster=pv=http://127.0.0.1:${peer}`,
        '--unsafe-no-fsync',
        '--log-level=warn',
      ],
      { log: path.join(this.dir, 'etcd.log'), pidfile: path.join(this.dir, 'etcd.pid') },
    );
    await waitFor('etcd', this.etcd, 30_000, () => httpOk(`http://127.0.0.1:${client}/health`));
    this.log(`[cluster] etcd pid ${this.etcd.pid} on 127.0.0.1:${client} in ${Date.now() - t0} ms`);
  }

  private async startApiserver(): Promise<void> {
    const t0 = Date.now();
    this.apiserver = startDaemon('kube-apiserver', this.tools.kubeApiserver, this.apiserverArgv, {
      log: path.join(this.dir, 'kube-apiserver.log'),
      pidfile: path.join(this.dir, 'kube-apiserver.pid'),
    });
    await waitFor('kube-apiserver', this.apiserver, 120_000, () => this.ready());
    this.log(`[cluster] kube-apiserver pid ${this.apiserver.pid} on ${this.server} in ${Date.now() - t0} ms`);
  }

  private async startControllerManager(): Promise<void> {
    const kubeconfig = path.join(this.dir, 'controller-manager.kubeconfig');
    writeKubeconfig(kubeconfig, this.server, this.pki.ca.cert, 'pv-kcm', {
      'client-certificate': this.pki.adminClient.cert,
      'client-key': this.pki.adminClient.key,
    });
    this.kcm = startDaemon(
      'kube-controller-manager',
      this.tools.kubeControllerManager,
      [
        `--kubeconfig=${kubeconfig}`,
        `--authentication-kubeconfig=${kubeconfig}`,
        `--authorization-kubeconfig=${kubeconfig}`,
        '--bind-address=127.0.0.1',
        `--secure-port=${await freePort()}`,
        // root-ca-certificate-publisher: the kube-root-ca.crt ConfigMap pods' token volumes need.
        '--controllers=namespace,garbagecollector,serviceaccount,serviceaccount-token,clusterrole-aggregation,root-ca-certificate-publisher-controller',
        `--service-account-private-key-file=${this.pki.serviceAccountKey}`,
        `--root-ca-file=${this.pki.ca.cert}`,
        '--use-service-account-credentials=false',
        '--leader-elect=false',
        '--profiling=false',
      ],
      {
        log: path.join(this.dir, 'kube-controller-manager.log'),
        pidfile: path.join(this.dir, 'kube-controller-manager.pid'),
      },
    );
    this.log(`[cluster] kube-controller-manager pid ${this.kcm.pid}`);
  }

  /** /readyz answers ok (as the admin). */
  ready(): Promise<boolean> {
    return httpOk(`${this.server}/readyz`, {
      ca: fs.readFileSync(this.pki.ca.cert),
      token: this.users.admin.token,
    });
  }

  /** The API server dies at once (SIGKILL): for recovery tests. */
  async killApiserver(): Promise<void> {
    if (this.apiserver) await killDaemon(this.apiserver);
  }

  /** Starts the API server again on the same port, data and flags; resolves when ready. */
  async restartApiserver(): Promise<void> {
    if (this.apiserver && alive(this.apiserver.pid)) return;
    await this.startApiserver();
  }

  async stop(): Promise<void> {
    for (const d of [this.kcm, this.apiserver, this.etcd]) if (d) await stopDaemon(d);
  }

  private writeKubeconfigs(): void {
    writeKubeconfig(
      this.adminKubeconfig,
      this.server,
      this.pki.ca.cert,
      'pv-admin',
      { token: this.users.admin.token },
      {
        'pv-cert': {
          'client-certificate': this.pki.adminClient.cert,
          'client-key': this.pki.adminClient.key,
        },
      },
    );
    writeKubeconfig(
      this.aliceKubeconfig,
      this.server,
      this.pki.ca.cert,
      'pv-alice',
      { token: this.users.alice.token },
      {},
      LIMITED_NAMESPACE,
    );
  }
}

function writeTokens(dir: string): void {
  const file = path.join(dir, 'tokens.json');
  if (!fs.existsSync(file)) {
    const users = {
      admin: { name: 'admin', token: randomToken(), groups: ['system:masters'] },
      alice: { name: 'alice', token: randomToken(), groups: [] },
      node: { name: 'system:node:pv-node', token: randomToken(), groups: ['system:masters', 'system:nodes'] },
    };
    fs.writeFileSync(file, JSON.stringify(users), { mode: 0o600 });
  }
  const users = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, TokenUser>;
  // token,user,uid,"group1,group2"
  const csv = Object.values(users)
    .map((u) => `${u.token},${u.name},${u.name},"${u.groups.join(',')}"`)
    .join('\n');
  fs.writeFileSync(path.join(dir, 'tokens.csv'), `${csv}\n`, { mode: 0o600 });
}

/** Writes a kubeconfig: one cluster, a current context for `user`, more contexts from `more`. */
export function writeKubeconfig(
  file: string,
  server: string,
  caFile: string,
  context: string,
  user: Record<string, string>,
  more: Record<string, Record<string, string>> = {},
  namespace?: string,
): void {
  const contexts: Array<{ name: string; user: Record<string, string>; namespace?: string }> = [
    { name: context, user, namespace },
    ...Object.entries(more).map(([name, u]) => ({ name, user: u })),
  ];
  const doc = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'pv-test', cluster: { server, 'certificate-authority': caFile } }],
    users: contexts.map((c) => ({ name: c.name, user: c.user })),
    contexts: contexts.map((c) => ({
      name: c.name,
      context: { cluster: 'pv-test', user: c.name, ...(c.namespace ? { namespace: c.namespace } : {}) },
    })),
    'current-context': context,
  };
  fs.writeFileSync(file, stringify(doc), { mode: 0o600 });
}

async function waitFor(
  name: string,
  d: Daemon,
  timeoutMs: number,
  ok: () => Promise<boolean>,
): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (await ok()) return;
    if (d.exited()) throw new Error(`${name} exited (${d.exited()}):\n${tail(d.log)}`);
    await sleep(100);
  }
  throw new Error(`${name} not ready after ${timeoutMs} ms:\n${tail(d.log)}`);
}

/** GET url → 200? (https with a CA and bearer token, or plain http). */
export function httpOk(url: string, auth?: { ca: Buffer; token: string }): Promise<boolean> {
  return new Promise((resolve) => {
    const mod = url.startsWith('https:') ? https : require('http');
    const req = mod.get(
      url,
      {
        timeout: 2000,
        ...(auth ? { ca: auth.ca, headers: { Authorization: `Bearer ${auth.token}` } } : {}),
      },
      (res: import('http').IncomingMessage) => {
        res.resume();
        resolve(res.statusCode === 200);
      },
    );
    req.on('error', () => resolve(false));
    req.on('timeout', () => {
      req.destroy();
      resolve(false);
    });
  });
}
