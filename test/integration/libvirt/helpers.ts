/**
 * Helpers for the libvirt suites: a console session under a real pty, an event recorder, and
 * a guest domain defined on a private daemon.
 */
import { spawn, type ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { EventStream } from '../../../src/backends/libvirt/events';
import type { DomainEvent } from '../../../src/backends/libvirt/types';
import { silentLogger } from '../../../src/common/log';
import { ensureGuest } from '../../harness/guest';
import { giveToDaemon, guestDomainXml, makeQcow2, type PrivateLibvirtd } from '../../harness/libvirtd';

export async function until<T>(
  what: string,
  f: () => T | undefined | Promise<T | undefined>,
  timeoutMs: number,
  stepMs = 50,
): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = await f();
    if (v !== undefined && v !== false) return v;
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, stepMs));
  }
}

/**
 * `virsh console` refuses to run without a controlling TTY. In VS Code the terminal gives it
 * one; here util-linux `script` does. `script` only takes a command line for `sh -c`, so this
 * test-only stand-in quotes each argument (they come from LibvirtClient.consoleCommand).
 */
export class ConsoleSession {
  private child: ChildProcess;
  out = '';
  constructor(command: string, args: string[]) {
    const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
    this.child = spawn('script', ['-q', '-e', '-c', [command, ...args].map(q).join(' '), '/dev/null'], {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, LIBVIRT_AUTOSTART: '0', TERM: 'dumb' },
    });
    const add = (d: Buffer) => (this.out += d.toString('utf8').replace(/\r/g, ''));
    this.child.stdout!.on('data', add);
    this.child.stderr!.on('data', add);
  }

  send(text: string): void {
    this.child.stdin!.write(text);
  }

  waitFor(re: RegExp, timeoutMs: number, from = 0): Promise<RegExpExecArray> {
    return until(
      `${re} on the console (got: ${JSON.stringify(this.out.slice(-300))})`,
      () => re.exec(this.out.slice(from)) ?? undefined,
      timeoutMs,
    );
  }

  /** Runs a shell command in the guest and returns what it printed between two markers. */
  async run(cmd: string, timeoutMs = 20_000): Promise<string> {
    const tag = `T${Math.random().toString(36).slice(2, 8)}`;
    const from = this.out.length;
    // The markers are built by the guest shell, so the echoed command line never matches.
    this.send(`echo ${tag}-BEGIN; ${cmd}; echo ${tag}-E''ND\r`);
    const m = await this.waitFor(new RegExp(`${tag}-BEGIN\\n([\\s\\S]*?)${tag}-END`), timeoutMs, from);
    return m[1]!;
  }

  close(): void {
    if (this.child.pid && this.child.exitCode === null) {
      try {
        process.kill(this.child.pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
  }
}

/** Records every event of `virsh event --all --loop` on one URI. */
export class EventRecorder {
  readonly events: Array<DomainEvent & { at: number }> = [];
  connected = false;
  connects = 0;
  disconnects: Array<{ reason: string; retryMs: number; at: number }> = [];
  readonly stream: EventStream;
  constructor(uri: string) {
    this.stream = new EventStream(
      uri,
      'virsh',
      {
        onEvent: (e) => this.events.push({ ...e, at: performance.now() }),
        onConnected: () => {
          this.connected = true;
          this.connects++;
        },
        onDisconnected: (reason, retryMs) =>
          this.disconnects.push({ reason, retryMs, at: performance.now() }),
      },
      silentLogger,
    );
  }

  /** The first event after index `from` that matches. */
  wait(
    pred: (e: DomainEvent) => boolean,
    timeoutMs: number,
    from = 0,
  ): Promise<DomainEvent & { at: number }> {
    return until('a libvirt event', () => this.events.slice(from).find(pred), timeoutMs, 10);
  }

  dispose(): void {
    this.stream.dispose();
  }
}

export interface GuestDomain {
  readonly name: string;
  readonly xmlFile: string;
  readonly serialLog: string;
}

/** Copies the fixture guest to the daemon, makes a qcow2 overlay on its disk, writes the domain XML. */
export function prepareGuestDomain(l: PrivateLibvirtd, name: string, accel: 'kvm' | 'tcg'): GuestDomain {
  const g = ensureGuest();
  const kernel = giveToDaemon(l, g.kernel, 'vmlinuz');
  const initrd = giveToDaemon(l, g.initrd, 'initrd.gz');
  const base = giveToDaemon(l, g.disk, 'disk.ext4');
  fs.chmodSync(base, 0o444);
  const disk = makeQcow2(l, `${name.replace(/[^A-Za-z0-9._-]/g, '_')}.qcow2`, { backing: base });
  const serialLog = path.join(l.dir, 'files', `${name.replace(/[^A-Za-z0-9._-]/g, '_')}.serial.log`);
  const xmlFile = path.join(l.dir, 'files', `${name.replace(/[^A-Za-z0-9._-]/g, '_')}.xml`);
  fs.writeFileSync(
    xmlFile,
    guestDomainXml({
      name,
      kernel,
      initrd,
      cmdline: `${g.cmdline} pv.disk=/dev/vda`,
      disk,
      accel,
      serialLog,
    }),
  );
  return { name, xmlFile, serialLog };
}
