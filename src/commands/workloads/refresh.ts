import type { Command } from '../command';

export const refreshWorkloads: Command = {
  id: 'podvisor.workloads.refresh',
  execute: (svc) => svc.tree.refresh(),
};
