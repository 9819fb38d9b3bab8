/**
 * ssh:// engines the way the docker CLI reaches them: one `ssh … docker system dial-stdio`
 * process per connection, its stdin/stdout being the HTTP connection to the remote engine.
 *
 * Why not dockerode's own ssh transport (ssh2): it opens a new SSH session for every API call,
 * authenticates only through an agent (SSH_AUTH_SOCK), and ignores ~/.ssh/config and
 * known_hosts, so it checks no host key. The system `ssh` honours the user's config, keys,
 * known_hosts and ProxyJump exactly as `docker -H ssh://…` does; BatchMode keeps it from ever
 * waiting for a password nobody can type. Idle connections are kept (keep-alive) and closed
 * after IDLE_MS, so a burst of calls costs one handshake, not one each.
 */
import * as http from 'http';
import { Duplex } from 'stream';
import { start, type ProcessHandle } from '../../common/process';

export interface SshTarget {
  readonly host: string;
  readonly port?: number;
  readonly user?: string;
  /** An ssh_config file (`ssh -F`); default: ssh's own (~/.ssh/config). */
  readonly configFile?: string;
}

const IDLE_MS = 30_000;
const SAFE = /^[A-Za-z0-9._%:[\]-]+$/;

/** `ssh://[user@]host[:port]` → its parts; anything that could pass for an ssh option is refused. */
export function parseSshUrl(url: string): SshTarget {
  const u = new URL(url);
  if (u.protocol !== 'ssh:') throw new Error(`Not an ssh:// engine address: ${url}`);
  const host = u.hostname;
  const user = decodeURIComponent(u.username);
  if (!host || !SAFE.test(host) || host.startsWith('-'))
    throw new Error(`Unsupported host in ${url}: ${JSON.stringify(host)}`);
  if (user && (!SAFE.test(user) || user.startsWith('-')))
    throw new Error(`Unsupported user in ${url}: ${JSON.stringify(user)}`);
  if (u.pathname && u.pathname !== '/')
    throw new Error(`${url}: a path after the host is not supported (the remote engine is its default one)`);
  return { host, ...(u.port ? { port: Number(u.port) } : {}), ...(user ? { user } : {}) };
}

/** The ssh command line (argv, no shell) that connects to the remote engine. */
export function sshArgs(t: SshTarget): string[] {
  return [
    ...(t.configFile ? ['-F', t.configFile] : []),
    '-o',
    'BatchMode=yes',
    '-o',
    'ConnectTimeout=30',
    '-T',
    ...(t.user ? ['-l', t.user] : []),
    ...(t.port ? ['-p', String(t.port)] : []),
    '--',
    t.host,
    'docker',
    'system',
    'dial-stdio',
  ];
}

/** One ssh process (started through the process runner) as a socket: what the http client reads and writes. */
class SshSocket extends Duplex {
  private timer?: NodeJS.Timeout;
  private idleMs = 0;

  constructor(private readonly child: ProcessHandle) {
    super();
    const out = child.stdout;
    out?.on('data', (d: Buffer) => {
      this.touch();
      if (!this.push(d)) out.pause();
    });
    // End of output only counts once ssh has exited: its exit status says whether it failed.
    child.done().then(
      () => {
        if (!this.destroyed) this.push(null);
      },
      () => {
        if (!this.destroyed) this.destroy(this.failure());
      },
    );
  }

  private failure(): Error {
    const st = this.child.exitStatus;
    const why =
      this.child.stderrText.trim().split('\n').slice(-2).join(' ') ||
      `ssh exited (${st?.exitCode ?? st?.signal ?? 'unknown'})`;
    // A connection-level failure, like a refused socket: the engine shows as unreachable, with ssh's reason.
    return Object.assign(new Error(`ssh: ${why}`), { code: 'ECONNABORTED' });
  }

  override _read(): void {
    this.child.stdout?.resume();
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (e?: Error | null) => void): void {
    this.touch();
    const stdin = this.child.stdin;
    if (!stdin || stdin.destroyed) return cb(new Error('ssh: the connection is closed'));
    stdin.write(chunk, cb);
  }

  override _final(cb: (e?: Error | null) => void): void {
    this.child.stdin?.end();
    cb();
  }

  override _destroy(err: Error | null, cb: (e?: Error | null) => void): void {
    if (this.timer) clearTimeout(this.timer);
    if (!this.child.exitStatus) void this.child.stop().catch(() => undefined);
    cb(err);
  }

  private touch(): void {
    if (this.timer) this.timer.refresh();
  }

  // What http.Agent and the http client call on a net.Socket.
  setTimeout(ms: number, cb?: () => void): this {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.idleMs = ms;
    // As net.Socket does: 0 removes the callback, a timeout adds it once.
    if (cb && ms === 0) this.removeListener('timeout', cb);
    else if (cb) this.once('timeout', cb);
    if (ms > 0) {
      this.timer = setTimeout(() => this.emit('timeout'), ms);
      this.timer.unref();
    }
    return this;
  }
  get timeout(): number {
    return this.idleMs;
  }
  setKeepAlive(): this {
    return this;
  }
  setNoDelay(): this {
    return this;
  }
  /**
   * A parked connection should not keep a process (a test, the CLI) alive: its pipes are
   * unref'd; the ssh child itself goes when the agent's idle timeout closes the connection.
   */
  unref(): this {
    for (const s of [this.child.stdin, this.child.stdout, this.child.stderr])
      (s as unknown as { unref?: () => void } | null)?.unref?.();
    return this;
  }
  ref(): this {
    for (const s of [this.child.stdin, this.child.stdout, this.child.stderr])
      (s as unknown as { ref?: () => void } | null)?.ref?.();
    return this;
  }
}

/** An http.Agent whose connections are ssh processes running `docker system dial-stdio` remotely. */
export function sshAgent(t: SshTarget): http.Agent {
  const agent = new http.Agent({ keepAlive: true, timeout: IDLE_MS, maxFreeSockets: 4 });
  const args = sshArgs(t);
  (agent as unknown as { createConnection: () => Duplex }).createConnection = () => {
    // No agent forwarding, no TTY; the environment is ours (SSH_AUTH_SOCK, when set, is used).
    const child = start({
      command: 'ssh',
      args,
      label: 'ssh',
      stdin: 'pipe',
      stdout: 'pipe',
      stderr: 'pipe',
    });
    return new SshSocket(child);
  };
  return agent;
}
