/** The logger every layer receives. Backends see only this interface, never the output channel. */
export interface Logger {
  trace(message: string, ...args: unknown[]): void;
  debug(message: string, ...args: unknown[]): void;
  info(message: string, ...args: unknown[]): void;
  warn(message: string, ...args: unknown[]): void;
  error(message: string | Error, ...args: unknown[]): void;
}

/** A logger that drops everything: for backends used headless (CLI, benchmarks). */
export const silentLogger: Logger = {
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

/** A logger writing to stderr, for tests and the CLI with --verbose. */
export function consoleLogger(prefix = 'podvisor'): Logger {
  const w =
    (lvl: string) =>
    (m: string | Error, ...a: unknown[]) =>
      console.error(`[${prefix} ${lvl}] ${m instanceof Error ? (m.stack ?? m.message) : m}`, ...a);
  return {
    trace: () => undefined,
    debug: () => undefined,
    info: w('info'),
    warn: w('warn'),
    error: w('error'),
  };
}

/**
 * Logs a failed action at the level it deserves: a `UserError` (a user's mistake, a missing
 * tool, an engine's refusal; `ProcessError` is one) is a warning with its message and the tool's
 * detail, no stack; anything else is Podvisor's own fault, an error with its stack.
 */
export function logFailure(log: Logger, what: string, e: unknown): void {
  const userError = e instanceof Error && (e as { code?: unknown }).code === 'PODVISOR_USER_ERROR';
  const detail = (e as { detail?: unknown } | undefined)?.detail;
  if (userError) {
    log.warn(`${what}: ${e.message}`);
    if (typeof detail === 'string' && detail) log.warn(detail);
    return;
  }
  log.error(`${what} failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
  if (typeof detail === 'string' && detail) log.error(detail);
}
