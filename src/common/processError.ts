/**
 * The one error for a process that failed: which command, how it ended, and the tool's own last
 * words. It is a `UserError` (same `code`, so every existing check and the command wrapper treat
 * it as one); `failure` tells the kinds apart structurally, so it works across lazy bundles
 * where `instanceof` does not.
 */
import * as path from 'path';
import { UserError } from './errors';

export type ProcessFailure =
  /** The binary is not there (ENOENT). */
  | 'not-found'
  /** It could not be started for another reason (EACCES, a missing working folder). */
  | 'spawn'
  /** It exited with a code the caller does not accept. */
  | 'exit'
  /** Something else killed it (a crash, the OOM killer). */
  | 'signal'
  /** It ran past its time limit and was stopped. */
  | 'timeout'
  /** It printed more than the caller's limit and was stopped. */
  | 'output-limit';

/** Debian packages of the tools Podvisor runs, named in a "not found" message. */
const DEBIAN_PACKAGE: Readonly<Record<string, string>> = {
  virsh: 'libvirt-clients',
  'qemu-img': 'qemu-utils',
  'qemu-system-x86_64': 'qemu-system-x86',
  virtiofsd: 'virtiofsd (or qemu-system-common on bookworm)',
  'mkfs.ext4': 'e2fsprogs',
  tar: 'tar',
  du: 'coreutils',
  find: 'findutils',
  busybox: 'busybox-static',
  cpio: 'cpio',
  'apt-get': 'apt',
  'apt-cache': 'apt',
  'dpkg-deb': 'dpkg',
  kubectl: 'kubernetes-client',
  mmdebstrap: 'mmdebstrap',
  'ssh-keygen': 'openssh-client',
  ssh: 'openssh-client',
};

/** The Debian package that ships `command` (by its base name), when we know it. */
export function debianPackageOf(command: string): string | undefined {
  return DEBIAN_PACKAGE[path.basename(command)];
}

export interface ProcessErrorInit {
  readonly failure: ProcessFailure;
  readonly command: string;
  readonly args: readonly string[];
  /** What the user would call this step ("qemu-img create"); default: the binary and its first word. */
  readonly label?: string;
  readonly exitCode?: number;
  readonly signal?: string;
  /** Everything the tool wrote to stderr (its last 64 KiB). */
  readonly stderr?: string;
  /** Its stdout, for the reason when stderr said nothing (some tools report on stdout). */
  readonly stdout?: string;
  /** The caller's own wording of the step that failed; the tool's reason is appended. */
  readonly context?: string;
  /** Said after "not found" (e.g. which setting names the binary). */
  readonly hint?: string;
  readonly timeoutMs?: number;
  readonly maxBuffer?: number;
  /** The OS error for a spawn failure. */
  readonly cause?: string;
}

/** The last few non-empty lines of what a tool printed, on one line, at most `max` characters. */
export function tailOf(text: string, lines = 3, max = 400): string {
  const t = text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .slice(-lines)
    .join(' ');
  return t.length > max ? '…' + t.slice(-max) : t;
}

/** `cmd a b` for the log, with arguments that need it quoted (for reading, never for a shell). */
export function commandLine(command: string, args: readonly string[]): string {
  const q = (s: string) => (/^[\w@%+=:,./-]+$/.test(s) ? s : JSON.stringify(s));
  return [command, ...args].map(q).join(' ');
}

function defaultLabel(command: string, args: readonly string[]): string {
  const first = args[0];
  const base = path.basename(command);
  return first && /^[a-z][\w-]*$/i.test(first) ? `${base} ${first}` : base;
}

function messageFor(i: ProcessErrorInit, label: string, reason: string): string {
  const why = reason ? `: ${reason}` : '';
  switch (i.failure) {
    case 'not-found': {
      const pkg = debianPackageOf(i.command);
      const install = pkg ? `: install the Debian package ${pkg}` : '';
      return `${i.command} was not found${install}${i.hint ? ` (${i.hint})` : ''}.`;
    }
    case 'spawn':
      return `Cannot run ${i.command}: ${i.cause ?? 'unknown error'}`;
    case 'exit':
      return `${label} failed (exit ${i.exitCode ?? '?'})${why}`;
    case 'signal':
      return `${label} was killed by ${i.signal ?? 'a signal'}${why}`;
    case 'timeout':
      return `${label} did not finish within ${Math.round((i.timeoutMs ?? 0) / 1000)} s and was stopped${why}`;
    case 'output-limit':
      return `${label} printed more than ${Math.round((i.maxBuffer ?? 0) / 1048576)} MiB and was stopped`;
  }
}

export class ProcessError extends UserError {
  readonly failure: ProcessFailure;
  readonly command: string;
  readonly args: readonly string[];
  readonly exitCode: number | undefined;
  readonly signal: string | undefined;
  readonly stderr: string;
  /** The tool's own reason: the trimmed tail of its stderr (empty when it said nothing). */
  readonly reason: string;

  constructor(readonly init: ProcessErrorInit) {
    const i = init;
    const stderr = i.stderr ?? '';
    const reason = tailOf(stderr) || tailOf(i.stdout ?? '');
    const label = i.label ?? defaultLabel(i.command, i.args);
    const plain = messageFor(i, label, reason);
    super(
      i.context ? `${i.context}: ${reason || plain}` : plain,
      `$ ${commandLine(i.command, i.args)}\n${stderr.trimEnd()}`,
    );
    this.name = 'ProcessError';
    this.failure = i.failure;
    this.command = i.command;
    this.args = i.args;
    this.exitCode = i.exitCode;
    this.signal = i.signal;
    this.stderr = stderr;
    this.reason = reason;
  }
}

const FAILURES: readonly ProcessFailure[] = [
  'not-found',
  'spawn',
  'exit',
  'signal',
  'timeout',
  'output-limit',
];
const isFailure = (v: unknown): v is ProcessFailure => FAILURES.some((f) => f === v);

/** How a process failed, if `e` is a ProcessError (from any bundle); undefined otherwise. */
export function processFailureOf(e: unknown): ProcessFailure | undefined {
  if (typeof e !== 'object' || e === null) return undefined;
  const x = e as { name?: unknown; failure?: unknown };
  return x.name === 'ProcessError' && isFailure(x.failure) ? x.failure : undefined;
}

/**
 * The same failure in the caller's words ("Could not create the overlay disk: <the tool's
 * reason>") when the tool ran and failed; anything else (not found, timeout, cancelled) is
 * returned as it is, since its own message already says what happened.
 */
export function inContext(e: unknown, context: string): unknown {
  if (!(e instanceof ProcessError) || (e.failure !== 'exit' && e.failure !== 'signal')) return e;
  return new ProcessError({ ...e.init, context });
}
