import type { Command } from '../command';

/** Reconnects to the engine now (from the "not reachable" node). */
export const retryDocker: Command = {
  id: 'podvisor.docker.retry',
  execute: (svc) => svc.containers.refresh(),
};
