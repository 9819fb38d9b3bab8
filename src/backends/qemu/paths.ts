/**
 * Where a VM's files live. Everything is in the VM's own folder, except that unix socket paths
 * are limited to 107 bytes: when the folder path is too long (VS Code's global storage often
 * is) the sockets go to a short per-VM folder under the runtime dir instead.
 */
import * as crypto from 'crypto';
import * as os from 'os';
import * as path from 'path';

export interface VmPaths {
  readonly dir: string;
  readonly spec: string;
  readonly pidfile: string;
  readonly serialLog: string;
  /** QEMU's own stdout/stderr (its error messages when a launch fails). */
  readonly qemuLog: string;
  readonly sockDir: string;
  readonly qmpSock: string;
  readonly serialSock: string;
  shareSock(tag: string): string;
  /** QEMU's end of a virtio-serial port (named by a short hash: port names may be long). */
  channelSock(name: string): string;
  /** An engine VM's Engine API socket (0600), served by the host end of its channel. */
  readonly engineSock: string;
  /** QEMU's VNC server for a VM with a display. */
  readonly vncSock: string;
  /** A saved VM's memory and device state (QMP migrate to a file), and what it was saved with. */
  readonly savedState: string;
  readonly savedMeta: string;
  /** The VM's SSH keys (client key pair, host key pair) and known_hosts. */
  readonly sshDir: string;
}

const MAX_SOCK = 100;

/** The saved-state file's name inside the VM folder. */
export const SAVED_STATE = 'memory.state';

export function runtimeRoot(): string {
  const base =
    process.env.XDG_RUNTIME_DIR && process.env.XDG_RUNTIME_DIR.length < 40
      ? process.env.XDG_RUNTIME_DIR
      : os.tmpdir();
  return path.join(base, `podvisor-${process.getuid?.() ?? 0}`);
}

export function vmPaths(dir: string): VmPaths {
  const abs = path.resolve(dir);
  const longest = path.join(abs, 'fs-' + 'x'.repeat(36) + '.sock');
  const sockDir =
    longest.length <= MAX_SOCK
      ? abs
      : path.join(runtimeRoot(), crypto.createHash('sha1').update(abs).digest('hex').slice(0, 16));
  return {
    dir: abs,
    spec: path.join(abs, 'spec.json'),
    pidfile: path.join(abs, 'qemu.pid'),
    serialLog: path.join(abs, 'serial.log'),
    qemuLog: path.join(abs, 'qemu.log'),
    sockDir,
    qmpSock: path.join(sockDir, 'qmp.sock'),
    serialSock: path.join(sockDir, 'serial.sock'),
    shareSock: (tag) => path.join(sockDir, `fs-${tag}.sock`),
    channelSock: (name) =>
      path.join(sockDir, `ch-${crypto.createHash('sha1').update(name).digest('hex').slice(0, 12)}.sock`),
    engineSock: path.join(sockDir, 'docker.sock'),
    vncSock: path.join(sockDir, 'vnc.sock'),
    // Relative to QEMU's working folder (the VM's) in `-incoming exec:`: see saveState.ts.
    savedState: path.join(abs, SAVED_STATE),
    savedMeta: path.join(abs, 'memory.json'),
    sshDir: path.join(abs, 'ssh'),
  };
}
