/**
 * Port-forwards to pods, as `kubectl port-forward` does them: a listener on 127.0.0.1 (never
 * another address), and for each local connection one port-forward WebSocket through
 * client-node's `PortForward` (the data channel both ways; the error channel ends the
 * connection with the kubelet's reason). A forward ends when stopped or when its pod is deleted.
 * `PortForwards` is the list the tree shows, with a change event.
 */
import * as net from 'net';
import { PassThrough } from 'stream';
import { UserError, isCancelled, messageOf } from '../../common/errors';
import type { Logger } from '../../common/log';
import { checkName } from './actions';
import type { KubeHttp } from './http';
import { watchPodUntil } from './podWatch';
import { streamClients, streamErrorOf } from './streams';

export interface ForwardTarget {
  readonly context: string;
  readonly namespace: string;
  readonly pod: string;
  readonly remotePort: number;
}

export class PortForward implements ForwardTarget {
  readonly context: string;
  readonly namespace: string;
  readonly pod: string;
  readonly remotePort: number;
  /** Connections open now and in all. */
  readonly stats = { open: 0, total: 0, failed: 0 };
  /** The last connection error the kubelet or API server gave (shown on the row). */
  lastError = '';
  private readonly sockets = new Set<net.Socket>();
  private readonly ac = new AbortController();
  private stopped = false;

  private constructor(
    t: ForwardTarget,
    private readonly http: KubeHttp,
    private readonly server: net.Server,
    readonly localPort: number,
    private readonly log: Logger,
    private readonly changed: (f: PortForward) => void,
  ) {
    this.context = t.context;
    this.namespace = t.namespace;
    this.pod = t.pod;
    this.remotePort = t.remotePort;
  }

  get id(): string {
    return `${this.context}/${this.namespace}/${this.pod}:${this.remotePort}@${this.localPort}`;
  }

  /** `127.0.0.1:PORT`: what the user copies. */
  get address(): string {
    return `127.0.0.1:${this.localPort}`;
  }

  get done(): boolean {
    return this.stopped;
  }

  static async start(
    http: KubeHttp,
    t: ForwardTarget,
    localPort: number,
    log: Logger,
    changed: (f: PortForward) => void,
    onEnd: (f: PortForward) => void,
  ): Promise<PortForward> {
    checkName('namespace', t.namespace);
    checkName('Pod', t.pod);
    for (const [what, p] of [
      ['pod port', t.remotePort],
      ['local port', localPort],
    ] as const)
      if (!Number.isInteger(p) || p < (what === 'local port' ? 0 : 1) || p > 65535)
        throw new UserError(`Invalid ${what} ${p} (1–65535)`);
    const server = net.createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', (e: NodeJS.ErrnoException) =>
        reject(
          new UserError(
            e.code === 'EADDRINUSE'
              ? `127.0.0.1:${localPort} is already in use: choose another local port`
              : `Cannot listen on 127.0.0.1:${localPort}: ${e.message}`,
          ),
        ),
      );
      server.listen(localPort, '127.0.0.1', () => resolve());
    });
    const addr = server.address();
    const port = typeof addr === 'object' && addr ? addr.port : localPort;
    const f = new PortForward(t, http, server, port, log, changed);
    server.on('connection', (s) => void f.connect(s));
    server.on('error', (e) => log.warn(`[kube] port-forward ${f.id}: ${e.message}`));
    // The forward goes with its pod.
    void watchPodUntil(http, t.namespace, t.pod, (p) => (p === 'deleted' ? true : undefined), f.ac.signal)
      .then((gone) => {
        if (gone) {
          log.info(`[kube] port-forward ${f.id}: pod deleted, forward stopped`);
          f.stop();
          onEnd(f);
        }
      })
      .catch((e: unknown) => {
        if (!isCancelled(e) && !f.ac.signal.aborted)
          log.warn(`[kube] port-forward ${f.id}: cannot watch the pod: ${messageOf(e)}`);
      });
    return f;
  }

  private async connect(socket: net.Socket): Promise<void> {
    this.sockets.add(socket);
    this.stats.open++;
    this.stats.total++;
    this.changed(this);
    const closed = () => {
      if (!this.sockets.delete(socket)) return;
      this.stats.open--;
      this.changed(this);
    };
    socket.on('close', closed);
    socket.on('error', () => socket.destroy());
    const errors = new PassThrough();
    errors.on('data', (d: Buffer) => {
      const text = d.toString('utf8').trim();
      if (!text) return;
      this.lastError = text;
      this.stats.failed++;
      this.log.warn(`[kube] port-forward ${this.id}: ${text}`);
      socket.destroy();
      this.changed(this);
    });
    try {
      const { portForward } = streamClients(
        this.http.config,
        () => `port-forward to ${this.namespace}/${this.pod}:${this.remotePort}`,
      );
      const ws = await portForward.portForward(
        this.namespace,
        this.pod,
        [this.remotePort],
        socket,
        errors,
        socket,
      );
      if (typeof ws === 'function') throw new Error('unexpected retrying port-forward');
      ws.on('close', () => socket.end());
      socket.on('close', () => ws.close());
      if (socket.destroyed) ws.close();
    } catch (e) {
      const err = streamErrorOf(e, this.http.server);
      this.lastError = err.message;
      this.stats.failed++;
      this.log.warn(`[kube] port-forward ${this.id}: ${err.message}`);
      socket.destroy();
      this.changed(this);
    }
  }

  /** Stops listening and closes every connection. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.ac.abort();
    this.server.close();
    for (const s of this.sockets) s.destroy();
  }
}

/** Every port-forward of the session, for the tree (rows under their pods) and the commands. */
export class PortForwards {
  private readonly list: PortForward[] = [];
  private readonly listeners = new Set<(f: PortForward | undefined) => void>();

  constructor(private readonly log: Logger) {}

  onChange(l: (f: PortForward | undefined) => void): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  private fire(f: PortForward | undefined): void {
    for (const l of this.listeners) l(f);
  }

  all(): readonly PortForward[] {
    return this.list;
  }

  of(context: string, namespace: string, pod: string): PortForward[] {
    return this.list.filter((f) => f.context === context && f.namespace === namespace && f.pod === pod);
  }

  async start(http: KubeHttp, t: ForwardTarget, localPort = 0): Promise<PortForward> {
    const f = await PortForward.start(
      http,
      t,
      localPort,
      this.log,
      (changed) => this.fire(changed),
      (ended) => this.forget(ended),
    );
    this.list.push(f);
    this.log.info(
      `[kube] port-forward ${f.address} → ${t.namespace}/${t.pod}:${t.remotePort} (${t.context})`,
    );
    this.fire(f);
    return f;
  }

  stop(f: PortForward): void {
    f.stop();
    this.forget(f);
  }

  private forget(f: PortForward): void {
    const i = this.list.indexOf(f);
    if (i < 0) return;
    this.list.splice(i, 1);
    this.fire(undefined);
  }

  /** Stops every forward (of one context, or all). */
  stopAll(context?: string): void {
    for (const f of [...this.list]) if (!context || f.context === context) this.stop(f);
  }
}
