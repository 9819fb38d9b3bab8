import type { Services } from '../host/services';

/**
 * One command. `execute` may throw: the wrapper in registerCommands shows the error once, with
 * an "Open Log" action, and stays silent on cancellation.
 */
export interface Command {
  readonly id: string;
  execute(svc: Services, ...args: unknown[]): unknown;
}
