import type { Command } from '../command';

/** Reconnects now (from a "not reachable" row): that engine when its key is given, else every one. */
export const retryDocker: Command = {
  id: 'podvisor.docker.retry',
  execute: async (svc, key) => {
    const e = typeof key === 'string' ? svc.containers.engine(key) : undefined;
    await (e ? e.refresh() : svc.containers.refresh());
  },
};
