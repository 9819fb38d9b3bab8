import type { Command } from './command';
import { showLog } from './common/showLog';
import { refreshWorkloads } from './workloads/refresh';

/**
 * Every command of the extension, one line each. A host test checks this table against
 * package.json's `contributes.commands` in both directions.
 */
export const commandTable: readonly Command[] = [
  refreshWorkloads,
  showLog,
];
