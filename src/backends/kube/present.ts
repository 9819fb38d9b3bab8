/** How cluster objects read in the tree: one short description line per kind, and pod isolation. */
import { isolationOfRuntime, type Isolation } from '../types';
import type { KubeItem } from './model';

/**
 * A pod's isolation from its RuntimeClass: `runtimeClassName` → that RuntimeClass's handler →
 * runc = container, runsc = gVisor, kata* = VM. No runtimeClassName = the node's default (runc).
 */
export function podIsolation(
  pod: KubeItem,
  runtimeClasses: ReadonlyMap<string, KubeItem>,
): { isolation: Isolation; handler: string } {
  if (pod.summary.kind !== 'pod') return { isolation: 'unknown', handler: '' };
  const rc = pod.summary.runtimeClassName;
  if (!rc) return { isolation: 'container', handler: 'runc' };
  const cls = runtimeClasses.get(`runtimeclasses//${rc}`);
  const handler = cls?.summary.kind === 'runtimeclass' ? cls.summary.handler : '';
  return { isolation: handler ? isolationOfRuntime(handler) : 'unknown', handler };
}

export function describe(item: KubeItem): string {
  const s = item.summary;
  switch (s.kind) {
    case 'vm':
      return [s.printableStatus || 'Unknown', s.runStrategy, s.ready ? 'ready' : '', s.instancetype]
        .filter(Boolean)
        .join(' · ');
    case 'vmi':
      return [s.phase, s.node, s.ips.join(', ')].filter(Boolean).join(' · ');
    case 'pod':
      return [s.phase, s.ready, s.restarts ? `${s.restarts} restarts` : '', s.node]
        .filter(Boolean)
        .join(' · ');
    case 'runtimeclass':
      return s.handler;
    case 'datavolume':
      return [s.phase, s.progress].filter(Boolean).join(' · ');
    case 'instancetype':
      return [s.cpu && `${s.cpu} vCPU`, s.memory].filter(Boolean).join(' · ');
    case 'plain':
      return s.text;
  }
}
