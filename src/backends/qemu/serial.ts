/**
 * The VM's serial console: QEMU serves it on a unix socket (one client at a time) and also
 * writes everything to serial.log. One SerialChannel per running VM fans the output out to
 * every listener (the terminal, tests waiting for a marker) and takes their input.
 */
import { EventEmitter } from 'events';
import * as fs from 'fs';
import * as net from 'net';
import { UserError } from '../../common/errors';

export interface SerialChannel {
  on(ev: 'data', l: (d: Buffer) => void): this;
  on(ev: 'close', l: () => void): this;
  off(ev: 'data', l: (d: Buffer) => void): this;
  off(ev: 'close', l: () => void): this;
}

/** The last `max` bytes of a file ('' when it does not exist). */
function readTail(file: string, max: number): string {
  let fd: number | undefined;
  try {
    fd = fs.openSync(file, 'r');
    const size = fs.fstatSync(fd).size;
    const len = Math.min(size, max);
    const b = Buffer.alloc(len);
    fs.readSync(fd, b, 0, len, size - len);
    return b.toString('utf8');
  } catch {
    return '';
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

export class SerialChannel extends EventEmitter {
  /** Output since connecting, capped (the log file has the rest). */
  private recent = '';
  private static readonly KEEP = 256 * 1024;
  private closedFlag = false;

  private constructor(private readonly sock: net.Socket) {
    super();
    this.setMaxListeners(50);
    sock.on('data', (d: Buffer) => {
      this.recent += d.toString('utf8');
      if (this.recent.length > SerialChannel.KEEP) this.recent = this.recent.slice(-SerialChannel.KEEP / 2);
      this.emit('data', d);
    });
    sock.on('error', () => undefined);
    sock.on('close', () => {
      this.closedFlag = true;
      this.emit('close');
    });
  }

  /**
   * Connects to the console. With `logFile` (a fresh boot), output QEMU logged before we were
   * connected is taken from the log, so a marker printed early is not missed.
   */
  static connect(socketPath: string, logFile?: string): Promise<SerialChannel> {
    return new Promise((resolve, reject) => {
      const sock = net.createConnection(socketPath);
      sock.once('connect', () => {
        const ch = new SerialChannel(sock);
        if (logFile) {
          ch.recent = readTail(logFile, SerialChannel.KEEP / 2);
        }
        resolve(ch);
      });
      sock.once('error', (e) =>
        reject(new UserError(`Cannot connect to the serial console at ${socketPath}: ${e.message}`)),
      );
    });
  }

  get closed(): boolean {
    return this.closedFlag;
  }

  /** Everything received so far (bounded). */
  get output(): string {
    return this.recent;
  }

  write(data: string | Buffer): void {
    if (!this.closedFlag) this.sock.write(data);
  }

  /**
   * Resolves when the output received after `fromOffset` (a position in `output`, default:
   * now) contains `text`; resolves with the output from there to the end of the match.
   */
  waitFor(text: string | RegExp, timeoutMs: number, fromOffset = this.recent.length): Promise<string> {
    const matchFrom = (): string | undefined => {
      const s = this.recent.slice(Math.max(0, Math.min(fromOffset, this.recent.length)));
      if (typeof text === 'string') {
        const i = s.indexOf(text);
        return i >= 0 ? s.slice(0, i + text.length) : undefined;
      }
      const m = text.exec(s);
      return m ? s.slice(0, m.index + m[0].length) : undefined;
    };
    const now = matchFrom();
    if (now !== undefined) return Promise.resolve(now);
    return new Promise((resolve, reject) => {
      const done = () => {
        clearTimeout(t);
        this.off('data', onData);
        this.off('close', onClose);
      };
      const onData = () => {
        const m = matchFrom();
        if (m !== undefined) {
          done();
          resolve(m);
        }
      };
      const onClose = () => {
        done();
        reject(new UserError(`console closed before "${String(text)}" appeared`));
      };
      const t = setTimeout(() => {
        done();
        reject(
          new UserError(
            `"${String(text)}" did not appear on the console within ${timeoutMs} ms; last output: ${JSON.stringify(this.recent.slice(-300))}`,
          ),
        );
      }, timeoutMs);
      this.on('data', onData);
      this.on('close', onClose);
    });
  }

  close(): void {
    this.sock.destroy();
  }
}
