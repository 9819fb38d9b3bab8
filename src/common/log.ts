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
