/**
 * Errors that reach the user. Backends throw these (or plain Errors); the command wrapper turns
 * them into one message with an "Open Log" action. `code` survives the lazy-bundle boundary,
 * where `instanceof` does not.
 */
export class UserError extends Error {
  readonly code = 'PODVISOR_USER_ERROR';
  constructor(
    message: string,
    readonly detail?: string,
  ) {
    super(message);
    this.name = 'UserError';
  }
}

/** A UserError from any bundle (compared by `code`: `instanceof` fails across lazy bundles). */
export function isUserError(e: unknown): e is Error & { readonly code: string; readonly detail?: string } {
  return e instanceof Error && (e as { code?: unknown }).code === 'PODVISOR_USER_ERROR';
}

/** Thrown when the user or a token cancelled the work. Never shown as an error. */
export class CancelledError extends Error {
  readonly code = 'PODVISOR_CANCELLED';
  constructor(message = 'Cancelled') {
    super(message);
    this.name = 'CancelledError';
  }
}

export function isCancelled(e: unknown): boolean {
  if (typeof e !== 'object' || e === null) return false;
  const x = e as { code?: unknown; name?: unknown; isCanceled?: unknown };
  return (
    x.code === 'PODVISOR_CANCELLED' ||
    x.name === 'AbortError' ||
    x.code === 'ABORT_ERR' ||
    x.isCanceled === true
  );
}

/** Throws CancelledError if the signal is aborted. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new CancelledError();
}

/** The message of anything thrown, without a stack. */
export function messageOf(e: unknown): string {
  if (e instanceof Error) return e.message;
  if (typeof e === 'string') return e;
  try {
    return JSON.stringify(e);
  } catch {
    return String(e);
  }
}

/** A result that is either a value or an error message, for parsers that must not throw. */
export type Errorable<T> = { ok: true; value: T } | { ok: false; error: string };
export const ok = <T>(value: T): Errorable<T> => ({ ok: true, value });
export const fail = <T = never>(error: string): Errorable<T> => ({ ok: false, error });
