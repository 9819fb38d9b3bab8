/**
 * Turns what dockerode throws into one clear message carrying the engine's own reason. The
 * engine answers errors as JSON `{"message": "..."}`; docker-modem keeps it in `err.json` and
 * wraps it in "(HTTP code 409) unexpected - ..." which is noise to a user.
 */
import { UserError } from '../../common/errors';
import { textOf } from '../../common/text';

export interface EngineErrorInfo {
  readonly statusCode?: number;
  /** The engine's own words, or the socket error. */
  readonly reason: string;
  /** Connection-level failure (engine down, socket missing), not an API answer. */
  readonly unreachable: boolean;
  /** The socket error's code (ECONNREFUSED, ENOENT, …), when there is one. */
  readonly code?: string;
}

const UNREACHABLE = new Set([
  'ECONNREFUSED',
  'ENOENT',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'EACCES',
  'ENOTSOCK',
  'ECONNABORTED',
]);

export function engineErrorInfo(e: unknown): EngineErrorInfo {
  if (typeof e !== 'object' || e === null) return { reason: String(e), unreachable: false };
  const x = e as {
    json?: unknown;
    statusCode?: unknown;
    code?: unknown;
    message?: unknown;
    reason?: unknown;
  };
  const statusCode = typeof x.statusCode === 'number' ? x.statusCode : undefined;
  let reason: string | undefined;
  if (typeof x.json === 'object' && x.json !== null) {
    const m = (x.json as { message?: unknown }).message;
    if (typeof m === 'string' && m.trim()) reason = m.trim();
  } else if (typeof x.json === 'string' && x.json.trim()) {
    reason = x.json.trim();
  } else if (Buffer.isBuffer(x.json)) {
    try {
      const parsed = JSON.parse(x.json.toString('utf8')) as { message?: unknown };
      if (typeof parsed.message === 'string') reason = parsed.message;
    } catch {
      reason = x.json.toString('utf8').trim() || undefined;
    }
  }
  const msg = typeof x.message === 'string' ? x.message : textOf(e);
  if (!reason) {
    // "(HTTP code 404) no such container - No such container: abc " → the part after " - ".
    const m = /^\(HTTP code \d+\) [^-]*- (.*)$/s.exec(msg);
    reason = (m?.[1] ?? msg).trim();
  }
  const code = typeof x.code === 'string' ? x.code : undefined;
  return {
    statusCode,
    reason,
    unreachable: statusCode === undefined && !!code && UNREACHABLE.has(code),
    ...(code ? { code } : {}),
  };
}

/**
 * A UserError for `what` failing, with the engine's reason: `Could not stop web: ...`. When the
 * engine could not be reached at all and its address is known, the reason says so in one
 * wording for every caller (the tree, commands, sandboxes).
 */
export function engineError(what: string, e: unknown, host?: string): UserError {
  const info = engineErrorInfo(e);
  let reason = info.reason;
  if (info.unreachable && host) {
    const code = info.code ?? 'unreachable';
    // A socket error restates its code ("connect ENOENT /path"); an ssh failure says more ("Host key verification failed").
    const more = info.reason.includes(code) ? '' : ` ${info.reason}`;
    reason = `Failed to connect to the container engine at ${host} (${code}). Is Docker running?${more}`;
  }
  const err = new UserError(`${what}: ${reason}`, e instanceof Error ? e.stack : undefined);
  (err as { statusCode?: number }).statusCode = info.statusCode;
  return err;
}
