/**
 * The host end of an engine VM's channel: QEMU serves the VM's virtio-serial port on a unix
 * socket in the VM's runtime folder; this connects to it and serves a unix socket of its own
 * (mode 0600, in a 0700 folder) where every accepted connection becomes a channel to the guest's
 * Engine API socket (the guest agent, guest/pv-agent.pl, does the other half). So the engine is
 * reachable by this user only — no TCP port, no password — and a connection costs no handshake,
 * which is what lets a resumed engine answer at once.
 *
 * One mux lives as long as one QEMU process: when QEMU exits (or is saved and replaced by a
 * restored one) the port socket closes, the mux closes its clients and removes its socket.
 */
import { EventEmitter } from 'events';
import * as fs from 'fs';
import * as net from 'net';
import { UserError } from '../../../common/errors';
import type { Logger } from '../../../common/log';
import { silentLogger } from '../../../common/log';
import { encodeFrame, FrameReader, FrameType, MAX_PAYLOAD, type Frame } from './frames';

export interface ChannelMuxOptions {
  /** QEMU's chardev socket of the engine port (QEMU is the server). */
  readonly portSocket: string;
  /** The socket this serves (created with mode 0600). */
  readonly listenPath: string;
  /** What the agent connects each channel to ("docker"). */
  readonly target: string;
  readonly log?: Logger;
}

interface Channel {
  readonly sock: net.Socket;
  /** The guest said CLOSE (or we did): nothing more is sent for it. */
  closed: boolean;
}

export interface ChannelMux {
  on(ev: 'hello', l: (agent: string) => void): this;
  on(ev: 'close', l: () => void): this;
  once(ev: 'hello', l: (agent: string) => void): this;
  once(ev: 'close', l: () => void): this;
  off(ev: 'hello', l: (agent: string) => void): this;
  off(ev: 'close', l: () => void): this;
}

export class ChannelMux extends EventEmitter {
  private port: net.Socket | undefined;
  private server: net.Server | undefined;
  private readonly reader = new FrameReader();
  private readonly channels = new Map<number, Channel>();
  private nextId = 1;
  private helloSeen = false;
  private closedFlag = false;
  private readonly log: Logger;

  constructor(private readonly opts: ChannelMuxOptions) {
    super();
    this.log = opts.log ?? silentLogger;
  }

  /** The agent has answered since we connected (its channels can be opened). */
  get ready(): boolean {
    return this.helloSeen && !this.closedFlag;
  }

  get closed(): boolean {
    return this.closedFlag;
  }

  /** Open channels (tests and the tooltip). */
  get channelCount(): number {
    return this.channels.size;
  }

  /** Connects to QEMU's port and serves the socket. Resolves once both are up. */
  async start(): Promise<void> {
    const port = await new Promise<net.Socket>((resolve, reject) => {
      const s = net.createConnection(this.opts.portSocket);
      s.once('connect', () => resolve(s));
      s.once('error', (e) =>
        reject(new UserError(`Cannot connect to the engine channel ${this.opts.portSocket}: ${e.message}`)),
      );
    });
    this.port = port;
    port.on('data', (d: Buffer) => this.onPortData(d));
    port.on('drain', () => {
      for (const c of this.channels.values()) c.sock.resume();
    });
    port.on('error', () => undefined); // 'close' follows
    port.on('close', () => this.close());
    // Whatever the agent remembers is from an earlier host connection: start clean.
    port.write(encodeFrame(0, FrameType.RESET));
    // A resumed guest's clock stopped when it was saved: give it ours.
    port.write(encodeFrame(0, FrameType.TIME, (Date.now() / 1000).toFixed(3)));
    await this.listen();
  }

  private async listen(): Promise<void> {
    const p = this.opts.listenPath;
    fs.rmSync(p, { force: true });
    const server = net.createServer({ allowHalfOpen: true, pauseOnConnect: false }, (s) => this.accept(s));
    this.server = server;
    // The socket is created 0600 (umask around the synchronous bind) and checked afterwards:
    // file permissions are the only thing between another user and this engine.
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      const old = process.umask(0o177);
      try {
        server.listen(p, () => resolve());
      } finally {
        process.umask(old);
      }
    });
    fs.chmodSync(p, 0o600);
  }

  /** Resolves when the agent has said HELLO (it is up and has forgotten old channels). */
  waitHello(timeoutMs: number, signal?: AbortSignal): Promise<void> {
    if (this.ready) return Promise.resolve();
    if (this.closedFlag) return Promise.reject(new UserError('The engine channel is closed'));
    return new Promise((resolve, reject) => {
      const done = (e?: Error) => {
        clearTimeout(t);
        this.off('hello', onHello);
        this.off('close', onClose);
        signal?.removeEventListener('abort', onAbort);
        if (e) reject(e);
        else resolve();
      };
      const onHello = () => done();
      const onClose = () => done(new UserError('The VM closed the engine channel before its agent answered'));
      const onAbort = () => done(Object.assign(new Error('Cancelled'), { name: 'AbortError' }));
      const t = setTimeout(
        () => done(new UserError(`The engine agent did not answer within ${timeoutMs} ms`)),
        timeoutMs,
      );
      this.on('hello', onHello);
      this.on('close', onClose);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  private accept(sock: net.Socket): void {
    if (!this.ready || !this.port) {
      sock.destroy();
      return;
    }
    const id = this.nextId++;
    if (this.nextId > 0xfffffff0) this.nextId = 1;
    const ch: Channel = { sock, closed: false };
    this.channels.set(id, ch);
    this.send(id, FrameType.OPEN, this.opts.target);
    sock.on('data', (d: Buffer) => {
      for (let i = 0; i < d.length; i += MAX_PAYLOAD)
        if (!this.send(id, FrameType.DATA, d.subarray(i, i + MAX_PAYLOAD))) sock.pause();
    });
    sock.on('end', () => {
      if (!ch.closed) this.send(id, FrameType.EOF);
    });
    sock.on('error', () => undefined); // 'close' follows
    sock.on('close', () => {
      if (this.channels.get(id) !== ch) return;
      this.channels.delete(id);
      if (!ch.closed) this.send(id, FrameType.CLOSE);
    });
  }

  /** Writes a frame; false when the port is behind (the caller pauses its source). */
  private send(channel: number, type: FrameType, payload: Buffer | string = ''): boolean {
    if (!this.port || this.port.destroyed) return true;
    return this.port.write(encodeFrame(channel, type, payload));
  }

  private onPortData(d: Buffer): void {
    let frames: Frame[];
    try {
      frames = this.reader.push(d);
    } catch (e) {
      // A stream out of step cannot be repaired in place: start over with the agent.
      this.log.warn(`engine channel: ${(e as Error).message}; resetting`);
      this.reader.reset();
      this.dropChannels();
      this.helloSeen = false;
      this.send(0, FrameType.RESET);
      return;
    }
    for (const f of frames) this.onFrame(f);
  }

  private onFrame(f: Frame): void {
    if (f.type === FrameType.HELLO) {
      const first = !this.helloSeen;
      this.helloSeen = true;
      if (first) this.emit('hello', f.payload.toString('utf8'));
      return;
    }
    const ch = this.channels.get(f.channel);
    if (!ch) return;
    if (f.type === FrameType.DATA) ch.sock.write(f.payload);
    else if (f.type === FrameType.EOF) ch.sock.end();
    else if (f.type === FrameType.CLOSE) {
      ch.closed = true;
      this.channels.delete(f.channel);
      const why = f.payload.toString('utf8');
      if (why) this.log.debug(`engine channel ${f.channel}: ${why}`);
      // Data already written is flushed first; end() would wait for the client's FIN too.
      ch.sock.end(() => ch.sock.destroy());
    }
  }

  private dropChannels(): void {
    for (const [id, ch] of this.channels) {
      ch.closed = true;
      this.channels.delete(id);
      ch.sock.destroy();
    }
  }

  /**
   * Closes every client connection and tells the agent to forget them: before the VM's memory
   * is saved, so the saved guest holds no half-finished request.
   */
  quiesce(): void {
    this.dropChannels();
    this.send(0, FrameType.RESET);
  }

  /** Stops serving: clients are closed, the socket removed, the port connection dropped. */
  close(): void {
    if (this.closedFlag) return;
    this.closedFlag = true;
    this.dropChannels();
    this.server?.close();
    fs.rmSync(this.opts.listenPath, { force: true });
    this.port?.destroy();
    this.emit('close');
  }
}
