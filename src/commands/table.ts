import type { Command } from './command';
import { startDomain } from './libvirt/start';
import { shutdownDomain } from './libvirt/shutdown';
import { destroyDomain } from './libvirt/destroy';
import { rebootDomain } from './libvirt/reboot';
import { suspendDomain } from './libvirt/suspend';
import { resumeDomain } from './libvirt/resume';
import { createSnapshot } from './libvirt/snapshotCreate';
import { revertSnapshot } from './libvirt/snapshotRevert';
import { listSnapshots } from './libvirt/snapshots';
import { openConsole } from './libvirt/console';
import { showLog } from './common/showLog';
import { refreshWorkloads } from './workloads/refresh';

/**
 * Every command of the extension, one line each. A host test checks this table against
 * package.json's `contributes.commands` in both directions.
 */
export const commandTable: readonly Command[] = [
  startDomain,
  shutdownDomain,
  destroyDomain,
  rebootDomain,
  suspendDomain,
  resumeDomain,
  createSnapshot,
  revertSnapshot,
  listSnapshots,
  openConsole,
  refreshWorkloads,
  showLog,
];
