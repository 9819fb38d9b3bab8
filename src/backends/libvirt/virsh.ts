import { UserError } from '../../common/errors';
import type { Logger } from '../../common/log';
import { ProcessError, processRunner, type Runner } from '../../common/process';
import { checkUri } from './names';

/** Why a virsh call failed, so callers (across the lazy-bundle boundary) can react without instanceof. */
export type VirshFailure = 'not-installed' | 'unreachable' | 'denied' | 'no-domain' | 'failed';

export class VirshError extends UserError {
  constructor(
    message: string,
    readonly reason: VirshFailure,
    detail?: string,
  ) {
    super(message, detail);
    this.name = 'VirshError';
  }
}

export function failureOf(e: unknown): VirshFailure | undefined {
  const r = (e as { reason?: unknown } | undefined)?.reason;
  return r === 'not-installed' || r === 'unreachable' || r === 'denied' || r === 'no-domain' || r === 'failed'
    ? r
    : undefined;
}

export interface VirshOptions {
  /** The virsh binary (a setting; default from PATH). */
  readonly virsh: string;
  readonly log: Logger;
  /** Runs virsh (default: the real runner); a test may wrap it. */
  readonly runner?: Runner;
}

export interface RunOptions {
  signal?: AbortSignal;
  timeoutMs?: number;
}

/** virsh's own reason: its `error: …` lines, without the generic ones when a specific one follows. */
export function virshReason(stderr: string): string {
  const lines = stderr
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.startsWith('error:'))
    .map((l) => l.slice(6).trim());
  const specific = lines.filter((l) => !/^failed to connect to the hypervisor$/i.test(l));
  const chosen = specific.length ? specific : lines;
  return chosen.join(' — ') || stderr.trim().split('\n').pop() || 'virsh failed';
}

/** What kind of failure virsh reported (stderr in the C locale). */
export function classify(stderr: string): VirshFailure {
  if (/Failed to connect socket to '[^']*': Permission denied/i.test(stderr)) return 'denied';
  if (
    /failed to connect to the hypervisor|Failed to connect socket|Cannot recv data|no connection driver available|Connection refused|End of file while reading data/i.test(
      stderr,
    )
  )
    return 'unreachable';
  if (/authentication (unavailable|failed)|polkit|Permission denied|access denied/i.test(stderr))
    return 'denied';
  if (/failed to get domain|Domain not found|no domain with matching/i.test(stderr)) return 'no-domain';
  return 'failed';
}

/**
 * Runs `virsh -c URI ARGS…` (argument array, never a shell) with a C locale so the output we
 * parse doesn't change with the user's language. Cancelling the signal stops virsh.
 */
export async function virsh(
  o: VirshOptions,
  uri: string,
  args: readonly string[],
  ro: RunOptions = {},
): Promise<string> {
  checkUri(uri);
  const argv = ['-c', uri, ...args];
  const t0 = performance.now();
  const runner = o.runner ?? processRunner;
  let r;
  try {
    r = await runner.run(
      {
        command: o.virsh,
        args: argv,
        env: { LC_ALL: 'C', LANG: 'C' },
        timeoutMs: ro.timeoutMs ?? 60_000,
        okExitCodes: 'any',
        label: `virsh ${args[0] ?? ''}`.trim(),
      },
      ro.signal,
    );
  } catch (e) {
    if (!(e instanceof ProcessError)) throw e; // cancelled: stays a CancelledError
    if (e.failure === 'not-found')
      throw new VirshError(
        `virsh was not found ("${o.virsh}"): install libvirt-clients or set podvisor.libvirt.virshPath.`,
        'not-installed',
      );
    if (e.failure === 'timeout')
      throw new VirshError(`virsh ${args[0] ?? ''} timed out on ${uri}`, 'failed', e.detail);
    throw new VirshError(e.message, 'failed', e.detail);
  }
  o.log.debug(`virsh ${argv.join(' ')} → ${r.exitCode} in ${(performance.now() - t0).toFixed(0)} ms`);
  if (r.exitCode !== 0) {
    const reason = virshReason(r.stderr);
    throw new VirshError(reason, classify(r.stderr), `virsh ${argv.join(' ')}\n${r.stderr}`);
  }
  return r.stdout;
}
