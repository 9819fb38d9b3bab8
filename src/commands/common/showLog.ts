import type { Command } from '../command';

export const showLog: Command = {
  id: 'podvisor.showLog',
  execute: (svc) => svc.log.show(true),
};
