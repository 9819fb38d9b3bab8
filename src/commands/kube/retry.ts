import type { Command } from '../command';

/** Retry now (an unreachable server also recovers by itself while the view is visible). */
export const kubeRetry: Command = {
  id: 'podvisor.kube.retry',
  async execute(svc, arg?: unknown) {
    const name = typeof arg === 'string' ? arg : svc.clusters.selectedContext;
    await svc.clusters.context(name)?.store?.refresh();
  },
};
