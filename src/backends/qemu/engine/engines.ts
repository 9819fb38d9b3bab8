/**
 * The engines of the engine VMs in one VM home: for every engine VM that runs, the host end of
 * its channel (ChannelMux, serving the VM's docker.sock), and whether its Engine API answers.
 * Follows the VM store's own events (QEMU's QMP events and exit), never a timer: a VM that
 * starts gets its mux, a VM that is saved has its connections closed first, a VM that stops
 * takes its socket with it.
 *
 * States: `stopped` / `saved` (the VM is not running), `starting` (running, the engine does not
 * answer yet), `ready` (the Engine API answered), `saving`.
 */
import * as http from 'http';
import type { Logger } from '../../../common/log';
import { silentLogger } from '../../../common/log';
import { messageOf, UserError } from '../../../common/errors';
import type { VmStore } from '../store';
import { ENGINE_CHANNEL } from '../spec';
import { ChannelMux } from './mux';

export type EngineState = 'stopped' | 'saved' | 'starting' | 'ready' | 'saving';

export interface EngineVmInfo {
  readonly name: string;
  readonly state: EngineState;
  /** `unix://…/docker.sock` while the VM runs (the socket answers once `ready`). */
  readonly endpoint?: string;
  /** The guest agent answered on the channel (the VM's side is up; the engine may not be yet). */
  readonly agent?: boolean;
  /** Why the engine is not ready, when something failed. */
  readonly reason?: string;
}

/** GET /_ping over a unix socket; resolves true on 200 "OK". */
export function pingEngine(socketPath: string, timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.get({ socketPath, path: '/_ping', agent: false, timeout: timeoutMs, signal }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve(res.statusCode === 200 && body.trim() === 'OK'));
      res.on('error', () => resolve(false));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
  });
}

interface Live {
  readonly mux: ChannelMux;
  ready: boolean;
  saving: boolean;
  reason?: string;
  readonly probe: AbortController;
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((r) => {
    const onAbort = () => {
      clearTimeout(t);
      r();
    };
    const t = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      r();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });

export class EngineVms {
  private readonly live = new Map<string, Live>();
  private readonly listeners = new Set<(name: string) => void>();
  private readonly unsubscribe: (() => void)[];
  private readonly onSaving = (name: string) => {
    const l = this.live.get(name);
    if (!l) return;
    l.saving = true;
    l.ready = false;
    l.probe.abort();
    l.mux.quiesce();
    this.emit(name);
  };

  constructor(
    readonly store: VmStore,
    private readonly log: Logger = silentLogger,
  ) {
    this.unsubscribe = [
      store.onChange((c) => {
        if (c.ids === 'all') this.sync(undefined);
        else for (const n of c.ids) this.sync(n);
      }),
      store.onSaving(this.onSaving),
    ];
    this.sync(undefined);
  }

  onChange(l: (name: string) => void): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  private emit(name: string): void {
    for (const l of this.listeners) {
      try {
        l(name);
      } catch (e) {
        this.log.warn(`engine VM listener: ${messageOf(e)}`);
      }
    }
  }

  /** Engine VMs known to the store. */
  names(): string[] {
    return this.store
      .list()
      .filter((i) => i.spec?.engine)
      .map((i) => i.name);
  }

  info(name: string): EngineVmInfo {
    const vm = this.store.info(name);
    const l = this.live.get(name);
    const endpoint = `unix://${this.store.paths(name).engineSock}`;
    if (!l || vm.state === 'stopped') return { name, state: vm.saved ? 'saved' : 'stopped' };
    if (l.saving) return { name, state: 'saving' };
    return {
      name,
      state: l.ready ? 'ready' : 'starting',
      endpoint,
      agent: l.mux.ready,
      ...(l.reason ? { reason: l.reason } : {}),
    };
  }

  /** Resolves with the endpoint once the engine answers; rejects if the VM stops first. */
  async waitReady(name: string, timeoutMs: number, signal?: AbortSignal): Promise<string> {
    const t0 = Date.now();
    return new Promise((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const done = (e?: Error) => {
        off();
        if (timer) clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        if (e) reject(e);
        else resolve(this.info(name).endpoint!);
      };
      const check = () => {
        const i = this.info(name);
        if (i.state === 'ready') done();
        else if (i.state === 'stopped' || i.state === 'saved')
          done(new UserError(`Engine VM "${name}" stopped before its engine answered`));
      };
      const off = this.onChange((n) => n === name && check());
      const onAbort = () => done(Object.assign(new Error('Cancelled'), { name: 'AbortError' }));
      signal?.addEventListener('abort', onAbort, { once: true });
      timer = setTimeout(
        () =>
          done(
            new UserError(
              `The engine of VM "${name}" did not answer within ${Math.round((Date.now() - t0) / 1000)} s${this.live.get(name)?.reason ? `: ${this.live.get(name)!.reason}` : ''}`,
            ),
          ),
        timeoutMs,
      );
      check();
    });
  }

  /** Brings the live set in line with the store for one VM (or all). */
  private sync(name: string | undefined): void {
    const names = name ? [name] : this.names();
    if (!name) for (const n of [...this.live.keys()]) if (!names.includes(n)) this.drop(n);
    for (const n of names) {
      const vm = this.store.info(n);
      if (!vm.spec?.engine) {
        // Deleted (or no longer an engine): nothing of it may stay open.
        if (this.live.has(n)) this.drop(n);
        continue;
      }
      const h = this.store.handle(n);
      const up = !!h && (h.state === 'running' || h.state === 'paused');
      if (up && !this.live.has(n)) this.attach(n);
      else if (!up && this.live.has(n) && vm.state === 'stopped') this.drop(n);
      else this.emit(n);
    }
  }

  private attach(name: string): void {
    const paths = this.store.paths(name);
    const mux = new ChannelMux({
      portSocket: paths.channelSock(ENGINE_CHANNEL),
      listenPath: paths.engineSock,
      target: 'docker',
      log: this.log,
    });
    const l: Live = { mux, ready: false, saving: false, probe: new AbortController() };
    this.live.set(name, l);
    mux.once('close', () => {
      if (this.live.get(name) === l) this.drop(name);
    });
    mux.once('hello', () => {
      this.emit(name);
      void this.probe(name, l);
    });
    mux.start().catch((e) => {
      l.reason = messageOf(e);
      this.log.warn(`engine VM ${name}: ${l.reason}`);
      this.emit(name);
    });
    this.emit(name);
  }

  /**
   * Waits for the Engine API. dockerd accepts connections on its socket before it serves them,
   * so one ping mostly waits for the answer; a refused one (the socket is not there yet) is
   * asked again with a back-off. Bounded by the VM's life.
   */
  private async probe(name: string, l: Live): Promise<void> {
    const sock = this.store.paths(name).engineSock;
    let delay = 100;
    while (!l.probe.signal.aborted && !l.mux.closed) {
      if (await pingEngine(sock, 60_000, l.probe.signal)) {
        l.ready = true;
        l.reason = undefined;
        this.log.info(`engine VM ${name}: Engine API ready at unix://${sock}`);
        this.emit(name);
        return;
      }
      await sleep(delay, l.probe.signal);
      delay = Math.min(delay * 2, 2000);
    }
  }

  private drop(name: string): void {
    const l = this.live.get(name);
    if (!l) return;
    this.live.delete(name);
    l.probe.abort();
    l.mux.close();
    this.emit(name);
  }

  dispose(): void {
    for (const u of this.unsubscribe.splice(0)) u();
    for (const n of [...this.live.keys()]) this.drop(n);
    this.listeners.clear();
  }
}
