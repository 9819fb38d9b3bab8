/**
 * A private OpenSSH server for tests: on 127.0.0.1 only, on a free port, with its own host key,
 * config, pidfile and authorized key, all made by the test under its own folder in /tmp. It
 * never touches the system's sshd or ~/.ssh: clients get their own ssh_config (identity,
 * known_hosts with this server's key, no agent). Sessions get `env` (e.g. DOCKER_HOST, so the
 * remote side of `docker system dial-stdio` is a private engine). Stopped by pid.
 */
import { execFileSync, spawn } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { freePort } from '../../src/common/net';
import { stopPid } from './dockerd';
import { runSlot } from './slot';

export const SSHD = '/usr/sbin/sshd';

export interface PrivateSshd {
  readonly pid: number;
  readonly port: number;
  readonly dir: string;
  readonly user: string;
  /** `ssh://user@127.0.0.1:port` */
  readonly url: string;
  /** An ssh_config for clients (`ssh -F`): this server's identity and host key, nothing else. */
  readonly clientConfig: string;
  /** sshd's own log (-E): "Accepted publickey for …" lines show who connected. */
  readonly log: string;
}

export interface SshdOptions {
  /** Environment of every session (sshd's SetEnv). */
  readonly env?: Readonly<Record<string, string>>;
  /** Parent of the server's folder (default /tmp); the folder is named by slot and pid. */
  readonly baseDir?: string;
  readonly timeoutMs?: number;
}

/** Why a private sshd cannot run here, or undefined when it can. */
export function whyNoSshd(): string | undefined {
  if (!fs.existsSync(SSHD)) return `${SSHD} is not installed (Debian package openssh-server)`;
  if (!fs.existsSync('/usr/bin/ssh-keygen'))
    return 'ssh-keygen is not installed (Debian package openssh-client)';
  return undefined;
}

function keygen(file: string): string {
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'podvisor-test', '-f', file]);
  return fs.readFileSync(`${file}.pub`, 'utf8').trim();
}

/** Resolves once the server sends its SSH banner. */
function banner(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port });
    s.setTimeout(1000);
    s.once('data', (d) => {
      s.destroy();
      resolve(d.toString().startsWith('SSH-2.0'));
    });
    s.once('error', () => resolve(false));
    s.once('timeout', () => {
      s.destroy();
      resolve(false);
    });
  });
}

export async function startPrivateSshd(opts: SshdOptions = {}): Promise<PrivateSshd> {
  const why = whyNoSshd();
  if (why) throw new Error(why);
  const dir = path.join(
    opts.baseDir ?? '/tmp',
    `podvisor-sshd-${runSlot()}-${process.pid}-${Date.now().toString(36)}`,
  );
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  // sshd refuses to start without its privilege-separation folder (made at boot by the package's service).
  fs.mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  const hostKey = path.join(dir, 'host_ed25519');
  const hostPub = keygen(hostKey);
  const identity = path.join(dir, 'id_ed25519');
  fs.writeFileSync(path.join(dir, 'authorized_keys'), keygen(identity) + '\n', { mode: 0o600 });
  const port = await freePort();
  const user = os.userInfo().username;
  const env = Object.entries(opts.env ?? {}).map(([k, v]) => `${k}=${v}`);
  const config = path.join(dir, 'sshd_config');
  fs.writeFileSync(
    config,
    [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${hostKey}`,
      `PidFile ${path.join(dir, 'sshd.pid')}`,
      `AuthorizedKeysFile ${path.join(dir, 'authorized_keys')}`,
      'AuthenticationMethods publickey',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'PermitRootLogin prohibit-password',
      // The folder is under /tmp, not a home: its modes are ours, not the user's.
      'StrictModes no',
      'UsePAM no',
      'AllowAgentForwarding no',
      'AllowTcpForwarding no',
      'X11Forwarding no',
      'PrintMotd no',
      'LogLevel VERBOSE',
      ...(env.length ? [`SetEnv ${env.join(' ')}`] : []),
      '',
    ].join('\n'),
  );
  const clientConfig = path.join(dir, 'ssh_config');
  fs.writeFileSync(
    path.join(dir, 'known_hosts'),
    `[127.0.0.1]:${port} ${hostPub.split(' ').slice(0, 2).join(' ')}\n`,
  );
  fs.writeFileSync(
    clientConfig,
    [
      'Host 127.0.0.1',
      `  User ${user}`,
      `  IdentityFile ${identity}`,
      '  IdentitiesOnly yes',
      '  IdentityAgent none',
      `  UserKnownHostsFile ${path.join(dir, 'known_hosts')}`,
      '  GlobalKnownHostsFile /dev/null',
      '  StrictHostKeyChecking yes',
      '  BatchMode yes',
      '  ControlMaster no',
      '',
    ].join('\n'),
  );
  const log = path.join(dir, 'sshd.log');
  const child = spawn(SSHD, ['-D', '-f', config, '-E', log], { detached: true, stdio: 'ignore' });
  child.unref();
  const t0 = Date.now();
  const timeoutMs = opts.timeoutMs ?? 15_000;
  while (Date.now() - t0 < timeoutMs) {
    if (await banner(port))
      return { pid: child.pid!, port, dir, user, url: `ssh://${user}@127.0.0.1:${port}`, clientConfig, log };
    if (child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  stopPid(child.pid!, 3000);
  const tail = fs.existsSync(log) ? fs.readFileSync(log, 'utf8').split('\n').slice(-10).join('\n') : '';
  throw new Error(`private sshd did not come up in ${timeoutMs} ms:\n${tail}`);
}

/** Stops the server by its pid (its sessions are its children and go with it) and removes its folder. */
export function stopPrivateSshd(s: PrivateSshd): void {
  stopPid(s.pid, 5000);
  fs.rmSync(s.dir, { recursive: true, force: true });
}
