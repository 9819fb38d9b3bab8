/**
 * TEST DOUBLE of KubeVirt's virt-api subresource API (`subresources.kubevirt.io/v1`) — KubeVirt's
 * controllers and virt-api cannot run on this machine. Registered as a real APIService, so the
 * real kube-apiserver's aggregation layer authenticates the caller, proxies the call (and the
 * WebSocket upgrades) to us with the front-proxy client certificate and X-Remote-User, and we
 * authorize it with a real SubjectAccessReview, as virt-api does.
 *
 * Endpoints may not be loopback, so the aggregation layer reaches us at an address inside a
 * network namespace this harness makes; a forwarder there pipes the bytes (TLS unchanged) to our
 * unix socket. What it does for each call stands in for virt-api + virt-controller + virt-handler:
 *  - start/stop set spec.runStrategy (what virt-api does) and boot/stop a real QEMU guest
 *    (test/harness/guest.ts), with a VirtualMachineInstance object and the VM's status;
 *  - pause/unpause send QMP stop/cont to that QEMU; restart reboots it (a new VMI);
 *  - migrate creates a VirtualMachineInstanceMigration (what virt-api does);
 *  - console and vnc are WebSockets (subprotocol plain.kubevirt.io) bridged to the guest's
 *    serial socket and QEMU's VNC server.
 * Everything it starts is stopped by pid; the namespace and veth are removed.
 */
import { execFileSync, spawn, type ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as https from 'https';
import * as net from 'net';
import * as path from 'path';
import type * as tls from 'tls';
import { WebSocketServer, createWebSocketStream } from 'ws';
import { QmpClient } from '../../../src/backends/qemu/qmp';
import { repoRoot } from '../env';
import { ensureGuest, microvmArgs } from '../guest';
import { alive, stopDaemon } from './daemon';
import { makeLeaf } from './pki';

export interface DoubleOptions {
  /** The cluster's folder (pki/, tokens.json) and API server. */
  readonly clusterDir: string;
  readonly server: string;
  readonly kubectl: string;
  readonly adminKubeconfig: string;
  readonly slot: number;
  readonly accel: 'kvm' | 'tcg';
  readonly log?: (s: string) => void;
}

interface Guest {
  readonly pid: number;
  readonly dir: string;
  readonly serial: string;
  readonly qmp: string;
  readonly vnc: string;
  readonly child: ChildProcess;
}

export interface ServedCall {
  readonly method: string;
  readonly path: string;
  readonly user: string;
}

const GROUP = 'subresources.kubevirt.io';
const BASE = `/apis/${GROUP}/v1`;

function sh(cmd: string, args: string[]): string {
  return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

export class KubevirtSubresourceDouble {
  /** Every call the aggregation layer delivered, with the user it vouched for. */
  readonly calls: ServedCall[] = [];
  private readonly guests = new Map<string, Guest>();
  private server?: https.Server;
  private forwarder?: ChildProcess;
  private readonly ns: string;
  private readonly hostIf: string;
  private readonly nsIf: string;
  private readonly hostIp: string;
  readonly ip: string;
  private readonly dir: string;
  private readonly token: string;
  private readonly ca: Buffer;
  private readonly url: URL;

  private constructor(private readonly o: DoubleOptions) {
    this.ns = `pvkv${o.slot}`;
    this.hostIf = `pvkvh${o.slot}`;
    this.nsIf = `pvkvn${o.slot}`;
    // 10.236.SLOT: apart from Podman's 10.234.SLOT.0/24 and the node's 10.235.SLOT.0/24.
    this.hostIp = `10.236.${o.slot}.1`;
    this.ip = `10.236.${o.slot}.2`;
    this.dir = path.join(o.clusterDir, 'kubevirt-double');
    this.token = JSON.parse(fs.readFileSync(path.join(o.clusterDir, 'tokens.json'), 'utf8')).admin.token;
    this.ca = fs.readFileSync(path.join(o.clusterDir, 'pki', 'ca.crt'));
    this.url = new URL(o.server);
  }

  static async start(o: DoubleOptions): Promise<KubevirtSubresourceDouble> {
    const d = new KubevirtSubresourceDouble(o);
    try {
      await d.startServing();
      await d.register();
    } catch (e) {
      await d.stop();
      throw e;
    }
    return d;
  }

  private log(s: string): void {
    this.o.log?.(`[kubevirt-double] ${s}`);
  }

  private async startServing(): Promise<void> {
    fs.rmSync(this.dir, { recursive: true, force: true });
    fs.mkdirSync(this.dir, { recursive: true });
    const pki = path.join(this.o.clusterDir, 'pki');
    const serving = makeLeaf(
      this.dir,
      'virt-api',
      { cert: path.join(pki, 'ca.crt'), key: path.join(pki, 'ca.key') },
      '/CN=virt-api',
      {
        sans: ['DNS:virt-api.kubevirt.svc', 'DNS:virt-api.kubevirt.svc.cluster.local', `IP:${this.ip}`],
        usage: 'server',
      },
    );
    const sock = path.join(this.dir, 'double.sock');
    this.server = https.createServer(
      {
        cert: fs.readFileSync(serving.cert),
        key: fs.readFileSync(serving.key),
        // The aggregation layer proves itself with the front-proxy client certificate.
        ca: fs.readFileSync(path.join(pki, 'front-proxy-ca.crt')),
        requestCert: true,
        rejectUnauthorized: false,
      },
      (req, res) => void this.handle(req, res),
    );
    const wss = new WebSocketServer({
      noServer: true,
      handleProtocols: (p) => (p.has('plain.kubevirt.io') ? 'plain.kubevirt.io' : false),
    });
    this.server.on('upgrade', (req, socket, head) => void this.upgrade(wss, req, socket as net.Socket, head));
    await new Promise<void>((r) => this.server!.listen(sock, r));

    // The namespace the aggregation layer reaches: veth pair, our /30, a forwarder to the socket.
    this.cleanupNetwork();
    sh('ip', ['netns', 'add', this.ns]);
    sh('ip', ['link', 'add', this.hostIf, 'type', 'veth', 'peer', 'name', this.nsIf]);
    sh('ip', ['link', 'set', this.nsIf, 'netns', this.ns]);
    sh('ip', ['addr', 'add', `${this.hostIp}/30`, 'dev', this.hostIf]);
    sh('ip', ['link', 'set', this.hostIf, 'up']);
    sh('ip', ['-n', this.ns, 'addr', 'add', `${this.ip}/30`, 'dev', this.nsIf]);
    sh('ip', ['-n', this.ns, 'link', 'set', this.nsIf, 'up']);
    sh('ip', ['-n', this.ns, 'link', 'set', 'lo', 'up']);
    // This file is bundled into each test: find the forwarder's own bundle from the repo root.
    const fwd = path.join(repoRoot, 'out', 'test', 'harness', 'cluster', 'nsForwarder.js');
    const logFd = fs.openSync(path.join(this.dir, 'forwarder.log'), 'a');
    this.forwarder = spawn('ip', ['netns', 'exec', this.ns, process.execPath, fwd, this.ip, '8443', sock], {
      stdio: ['ignore', logFd, logFd],
      detached: true,
    });
    fs.closeSync(logFd);
    for (let i = 0; i < 100; i++) {
      if (fs.readFileSync(path.join(this.dir, 'forwarder.log'), 'utf8').includes('forwarding')) break;
      if (this.forwarder.exitCode !== null)
        throw new Error(`forwarder exited: ${fs.readFileSync(path.join(this.dir, 'forwarder.log'), 'utf8')}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    this.log(`serving on ${sock}, reachable at ${this.ip}:8443 in netns ${this.ns}`);
  }

  private cleanupNetwork(): void {
    for (const args of [
      ['link', 'del', this.hostIf],
      ['netns', 'del', this.ns],
    ])
      try {
        sh('ip', args);
      } catch {
        /* not there */
      }
  }

  /** Service + EndpointSlice/Endpoints (our namespace address) + the APIService, as KubeVirt's operator registers virt-api. */
  private async register(): Promise<void> {
    const ca = this.ca.toString('base64');
    const docs = [
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'kubevirt' } },
      {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'virt-api', namespace: 'kubevirt' },
        spec: { ports: [{ name: 'https', port: 443, targetPort: 8443, protocol: 'TCP' }] },
      },
      {
        apiVersion: 'v1',
        kind: 'Endpoints',
        metadata: { name: 'virt-api', namespace: 'kubevirt' },
        subsets: [{ addresses: [{ ip: this.ip }], ports: [{ name: 'https', port: 8443, protocol: 'TCP' }] }],
      },
      {
        apiVersion: 'discovery.k8s.io/v1',
        kind: 'EndpointSlice',
        metadata: {
          name: 'virt-api-double',
          namespace: 'kubevirt',
          labels: { 'kubernetes.io/service-name': 'virt-api' },
        },
        addressType: 'IPv4',
        endpoints: [{ addresses: [this.ip], conditions: { ready: true } }],
        ports: [{ name: 'https', port: 8443, protocol: 'TCP' }],
      },
      {
        apiVersion: 'apiregistration.k8s.io/v1',
        kind: 'APIService',
        metadata: { name: `v1.${GROUP}` },
        spec: {
          group: GROUP,
          version: 'v1',
          service: { namespace: 'kubevirt', name: 'virt-api', port: 443 },
          caBundle: ca,
          groupPriorityMinimum: 1000,
          versionPriority: 15,
        },
      },
    ];
    await this.kubectl(
      ['apply', '--server-side', '--field-manager=kubevirt-double', '-f', '-'],
      docs.map((d) => JSON.stringify(d)).join('\n'),
    );
    await this.kubectl(['wait', '--for=condition=Available', '--timeout=60s', `apiservice/v1.${GROUP}`]);
    this.log(`APIService v1.${GROUP} Available`);
  }

  /** Removes the APIService (the "virt-api not served" case); register() puts it back. */
  async unregister(): Promise<void> {
    await this.kubectl(['delete', 'apiservice', `v1.${GROUP}`, '--ignore-not-found']);
  }

  async reregister(): Promise<void> {
    await this.register();
  }

  private kubectl(args: string[], input?: string): Promise<string> {
    return new Promise((resolve, reject) => {
      const c = require('child_process').execFile(
        this.o.kubectl,
        [`--kubeconfig=${this.o.adminKubeconfig}`, ...args],
        { env: { ...process.env, KUBECONFIG: '' }, maxBuffer: 16 << 20 },
        (err: Error | null, out: string, errOut: string) =>
          err ? reject(new Error(`kubectl ${args.join(' ')}: ${errOut || err.message}`)) : resolve(out),
      );
      if (input !== undefined) c.stdin.end(input);
    });
  }

  /** The real API server, as the admin (what the double's "controller" half does). */
  private api<T = Record<string, unknown>>(
    method: string,
    p: string,
    body?: unknown,
    contentType = 'application/json',
  ): Promise<{ status: number; body: T }> {
    return new Promise((resolve, reject) => {
      const data = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
      const req = https.request(
        {
          host: this.url.hostname,
          port: this.url.port,
          path: p,
          method,
          ca: this.ca,
          headers: {
            Authorization: `Bearer ${this.token}`,
            Accept: 'application/json',
            ...(data ? { 'Content-Type': contentType, 'Content-Length': data.length } : {}),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c) => chunks.push(c));
          res.on('end', () => {
            const t = Buffer.concat(chunks).toString('utf8');
            let parsed: unknown;
            try {
              parsed = t ? JSON.parse(t) : {};
            } catch {
              parsed = { raw: t };
            }
            resolve({ status: res.statusCode ?? 0, body: parsed as T });
          });
        },
      );
      req.on('error', reject);
      req.end(data);
    });
  }

  /** virt-api authorizes every subresource call for the user the aggregation layer names. */
  private async allowed(
    user: string,
    groups: string[],
    ns: string,
    resource: string,
    sub: string,
    verb: string,
  ): Promise<boolean> {
    const r = await this.api<{ status?: { allowed?: boolean } }>(
      'POST',
      '/apis/authorization.k8s.io/v1/subjectaccessreviews',
      {
        apiVersion: 'authorization.k8s.io/v1',
        kind: 'SubjectAccessReview',
        spec: {
          user,
          groups,
          resourceAttributes: { namespace: ns, verb, group: GROUP, resource, subresource: sub },
        },
      },
    );
    return r.body.status?.allowed === true;
  }

  private authn(req: import('http').IncomingMessage): { user: string; groups: string[] } | undefined {
    const s = req.socket as tls.TLSSocket;
    const peer = s.getPeerCertificate?.();
    if (!s.authorized || peer?.subject?.CN !== 'front-proxy-client') return undefined;
    const user = String(req.headers['x-remote-user'] ?? '');
    // One X-Remote-Group header per group (req.headers would join them with commas).
    return { user, groups: req.headersDistinct['x-remote-group'] ?? [] };
  }

  private async handle(
    req: import('http').IncomingMessage,
    res: import('http').ServerResponse,
  ): Promise<void> {
    const send = (code: number, body: unknown) => {
      res.writeHead(code, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    const status = (code: number, reason: string, message: string) =>
      send(code, { kind: 'Status', apiVersion: 'v1', status: 'Failure', code, reason, message });
    try {
      const url = new URL(req.url ?? '/', 'https://double');
      const who = this.authn(req);
      if (!who)
        return status(
          401,
          'Unauthorized',
          'not the aggregation layer (front-proxy client certificate required)',
        );
      if (req.method === 'GET' && (url.pathname === '/healthz' || url.pathname === '/readyz'))
        return void res.end('ok');
      if (req.method === 'GET' && url.pathname === BASE)
        return send(200, {
          kind: 'APIResourceList',
          apiVersion: 'v1',
          groupVersion: `${GROUP}/v1`,
          resources: [
            ...['console', 'vnc', 'pause', 'unpause'].map((s) => ({
              name: `virtualmachineinstances/${s}`,
              namespaced: true,
              kind: 'VirtualMachineInstance',
              verbs: ['get', 'update'],
            })),
            ...['start', 'stop', 'restart', 'migrate'].map((s) => ({
              name: `virtualmachines/${s}`,
              namespaced: true,
              kind: 'VirtualMachine',
              verbs: ['update'],
            })),
          ],
        });
      if (req.method === 'GET' && url.pathname === `/apis/${GROUP}`)
        return send(200, {
          kind: 'APIGroup',
          apiVersion: 'v1',
          name: GROUP,
          versions: [{ groupVersion: `${GROUP}/v1`, version: 'v1' }],
          preferredVersion: { groupVersion: `${GROUP}/v1`, version: 'v1' },
        });
      const m = new RegExp(
        `^${BASE}/namespaces/([^/]+)/(virtualmachines|virtualmachineinstances)/([^/]+)/([a-z]+)$`,
      ).exec(url.pathname);
      if (!m) return status(404, 'NotFound', `the test double does not serve ${url.pathname}`);
      const [, ns = '', resource = '', name = '', sub = ''] = m;
      this.calls.push({ method: req.method ?? '', path: url.pathname, user: who.user });
      if (!(await this.allowed(who.user, who.groups, ns, resource, sub, 'update')))
        return status(
          403,
          'Forbidden',
          `User "${who.user}" cannot update ${resource}/${sub} in the namespace "${ns}"`,
        );
      if (req.method !== 'PUT') return status(405, 'MethodNotAllowed', `${req.method} ${sub}`);
      await this.act(ns, resource, name, sub);
      res.writeHead(202);
      res.end();
    } catch (e) {
      const err = e as { code?: number; reason?: string; message: string };
      status(err.code ?? 500, err.reason ?? 'InternalError', err.message);
    }
  }

  private vmPath(ns: string, name: string): string {
    return `/apis/kubevirt.io/v1/namespaces/${ns}/virtualmachines/${name}`;
  }

  private async getVm(ns: string, name: string): Promise<Record<string, unknown>> {
    const r = await this.api('GET', this.vmPath(ns, name));
    if (r.status === 404)
      throw Object.assign(new Error(`virtualmachine.kubevirt.io "${name}" not found`), {
        code: 404,
        reason: 'NotFound',
      });
    return r.body;
  }

  private async act(ns: string, resource: string, name: string, sub: string): Promise<void> {
    const key = `${ns}/${name}`;
    const merge = 'application/merge-patch+json';
    if (resource === 'virtualmachines') await this.getVm(ns, name);
    switch (sub) {
      case 'start':
        await this.api(
          'PATCH',
          this.vmPath(ns, name),
          { spec: { runStrategy: 'Always', running: null } },
          merge,
        );
        if (!this.guests.has(key)) await this.boot(ns, name);
        return;
      case 'stop':
        await this.api(
          'PATCH',
          this.vmPath(ns, name),
          { spec: { runStrategy: 'Halted', running: null } },
          merge,
        );
        await this.halt(ns, name);
        return;
      case 'restart':
        await this.halt(ns, name);
        await this.boot(ns, name);
        return;
      case 'pause':
      case 'unpause': {
        const g = this.guests.get(key);
        if (!g)
          throw Object.assign(new Error(`VirtualMachineInstance ${key} is not running`), {
            code: 409,
            reason: 'Conflict',
          });
        await this.qmp(key, sub === 'pause' ? 'stop' : 'cont');
        const paused = sub === 'pause';
        await this.api(
          'PATCH',
          `/apis/kubevirt.io/v1/namespaces/${ns}/virtualmachineinstances/${name}`,
          {
            status: {
              conditions: paused
                ? [
                    { type: 'Paused', status: 'True' },
                    { type: 'Ready', status: 'False' },
                  ]
                : [{ type: 'Ready', status: 'True' }],
            },
          },
          merge,
        );
        await this.api(
          'PATCH',
          `${this.vmPath(ns, name)}/status`,
          { status: { printableStatus: paused ? 'Paused' : 'Running' } },
          merge,
        );
        return;
      }
      case 'migrate':
        await this.api('POST', `/apis/kubevirt.io/v1/namespaces/${ns}/virtualmachineinstancemigrations`, {
          apiVersion: 'kubevirt.io/v1',
          kind: 'VirtualMachineInstanceMigration',
          metadata: { generateName: `kubevirt-migrate-vm-`, namespace: ns },
          spec: { vmiName: name },
        });
        return;
      default:
        throw Object.assign(new Error(`unknown subresource ${sub}`), { code: 404, reason: 'NotFound' });
    }
  }

  /** Boots the real guest and writes what virt-controller and virt-handler would: the VMI and the VM's status. */
  private async boot(ns: string, name: string): Promise<void> {
    const key = `${ns}/${name}`;
    const g = ensureGuest();
    const dir = path.join(this.dir, `${ns}_${name}`);
    fs.mkdirSync(dir, { recursive: true });
    const serial = path.join(dir, 'serial.sock');
    const qmp = path.join(dir, 'qmp.sock');
    const vnc = path.join(dir, 'vnc.sock');
    const args = [
      ...microvmArgs(g, this.o.accel),
      '-qmp',
      `unix:${qmp},server=on,wait=off`,
      '-chardev',
      `socket,id=ser0,path=${serial},server=on,wait=off,logfile=${path.join(dir, 'serial.log')}`,
      '-serial',
      'chardev:ser0',
      '-vnc',
      `unix:${vnc}`,
      '-pidfile',
      path.join(dir, 'qemu.pid'),
    ];
    const child = spawn('qemu-system-x86_64', args, {
      stdio: ['ignore', 'ignore', fs.openSync(path.join(dir, 'qemu.err'), 'a')],
      detached: true,
    });
    this.guests.set(key, { pid: child.pid!, dir, serial, qmp, vnc, child });
    for (let i = 0; i < 200 && !(fs.existsSync(serial) && fs.existsSync(qmp)); i++)
      await new Promise((r) => setTimeout(r, 25));
    const vmi = await this.api<{ metadata?: { uid?: string } }>(
      'POST',
      `/apis/kubevirt.io/v1/namespaces/${ns}/virtualmachineinstances`,
      {
        apiVersion: 'kubevirt.io/v1',
        kind: 'VirtualMachineInstance',
        metadata: {
          name,
          namespace: ns,
          labels: { 'kubevirt.io/created-by': 'kubevirt-subresource-double' },
        },
        spec: { domain: { devices: {}, resources: { requests: { memory: '256Mi' } } } },
        status: {
          phase: 'Running',
          nodeName: 'pv-double-node',
          interfaces: [{ name: 'default', ipAddress: '10.0.2.15', ipAddresses: ['10.0.2.15'] }],
        },
      },
    );
    // VMI has no status subresource: the status posted above is stored as is.
    await this.api(
      'PATCH',
      `${this.vmPath(ns, name)}/status`,
      {
        status: {
          printableStatus: 'Running',
          ready: true,
          created: true,
          conditions: [{ type: 'Ready', status: 'True' }],
        },
      },
      'application/merge-patch+json',
    );
    this.log(`booted ${key}: QEMU pid ${child.pid}, VMI ${vmi.body.metadata?.uid ?? '?'}`);
  }

  private async halt(ns: string, name: string): Promise<void> {
    const key = `${ns}/${name}`;
    const g = this.guests.get(key);
    if (g) {
      await stopDaemon({ pid: g.pid }, 3000);
      this.guests.delete(key);
    }
    await this.api('DELETE', `/apis/kubevirt.io/v1/namespaces/${ns}/virtualmachineinstances/${name}`);
    await this.api(
      'PATCH',
      `${this.vmPath(ns, name)}/status`,
      { status: { printableStatus: 'Stopped', ready: false, created: false, conditions: [] } },
      'application/merge-patch+json',
    );
  }

  private async qmp(key: string, command: string): Promise<unknown> {
    const g = this.guests.get(key);
    if (!g) throw new Error(`no guest ${key}`);
    const c = await QmpClient.connect(g.qmp);
    try {
      return await c.execute(command);
    } finally {
      c.close();
    }
  }

  /** QEMU's own run state of a VM's guest ('running', 'paused'), read over QMP. */
  async guestStatus(ns: string, name: string): Promise<string | undefined> {
    if (!this.guests.has(`${ns}/${name}`)) return undefined;
    const r = (await this.qmp(`${ns}/${name}`, 'query-status')) as { status?: string };
    return r.status;
  }

  /** The QEMU pid of a VM's guest (tests check the process itself). */
  guestPid(ns: string, name: string): number | undefined {
    const g = this.guests.get(`${ns}/${name}`);
    return g && alive(g.pid) ? g.pid : undefined;
  }

  private async upgrade(
    wss: WebSocketServer,
    req: import('http').IncomingMessage,
    socket: net.Socket,
    head: Buffer,
  ): Promise<void> {
    const deny = (code: number, text: string) => {
      socket.end(`HTTP/1.1 ${code} ${text}\r\nContent-Length: 0\r\n\r\n`);
    };
    const who = this.authn(req);
    if (!who) return deny(401, 'Unauthorized');
    const url = new URL(req.url ?? '/', 'https://double');
    const m = new RegExp(`^${BASE}/namespaces/([^/]+)/virtualmachineinstances/([^/]+)/(console|vnc)$`).exec(
      url.pathname,
    );
    if (!m) return deny(404, 'Not Found');
    const [, ns = '', name = '', sub = ''] = m;
    this.calls.push({ method: 'GET', path: url.pathname, user: who.user });
    if (!(await this.allowed(who.user, who.groups, ns, 'virtualmachineinstances', sub, 'get')))
      return deny(403, 'Forbidden');
    const g = this.guests.get(`${ns}/${name}`);
    if (!g) return deny(404, 'Not Found');
    wss.handleUpgrade(req, socket, head, (ws) => {
      const target = net.connect(sub === 'console' ? g.serial : g.vnc);
      const stream = createWebSocketStream(ws);
      stream.pipe(target).pipe(stream);
      const end = () => {
        target.destroy();
        ws.terminate();
      };
      target.on('error', end);
      stream.on('error', end);
      ws.on('close', () => target.destroy());
      target.on('close', () => ws.close());
    });
  }

  async stop(): Promise<void> {
    for (const [key, g] of this.guests) {
      await stopDaemon({ pid: g.pid }, 3000);
      this.guests.delete(key);
    }
    if (this.forwarder?.pid) {
      try {
        process.kill(-this.forwarder.pid, 'SIGTERM');
      } catch {
        /* gone */
      }
      await stopDaemon({ pid: this.forwarder.pid }, 2000);
    }
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
    this.server?.closeAllConnections?.();
    this.cleanupNetwork();
  }
}
