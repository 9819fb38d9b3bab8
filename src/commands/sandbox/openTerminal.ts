import type { Command } from '../command';
import { nameOf, requireTrust } from './common';
import { openTerminal } from './terminal';

/** Opens a shell in the sandbox. Arguments: `(node | name, cmd?: string[])`; `cmd` runs instead of the shell. */
export const openSandboxTerminal: Command = {
  id: 'podvisor.sandbox.openTerminal',
  async execute(svc, arg?: unknown, cmd?: unknown) {
    requireTrust();
    const argv = Array.isArray(cmd) && cmd.every((x) => typeof x === 'string') ? cmd : undefined;
    return openTerminal(svc, nameOf(svc, arg), argv);
  },
};
