import type * as vscode from 'vscode';

/**
 * A node of the Workloads tree. Nodes own their TreeItem and children; `id` is stable across
 * refreshes (used as TreeItem.id, so expansion and selection survive updates).
 */
export interface TreeNode {
  readonly id: string;
  getTreeItem(): vscode.TreeItem | Thenable<vscode.TreeItem>;
  getChildren(): TreeNode[] | Thenable<TreeNode[]>;
  getParent(): TreeNode | undefined;
}

/**
 * One top-level part of the Workloads view (containers, images, VMs, libvirt, sandboxes): a thin
 * adapter over its backend store(s) (src/backends/store.ts). It keeps one node per item id, maps
 * each store change to the rows it names (src/tree/changes.ts) and fires exactly those with
 * `onDidChange` — a parent row only when items came or went or its own text changed; undefined
 * (the whole subtree) only when the store's status changed. It runs no timers: `setVisible`
 * passes visibility to the stores, whose safety polls run only while visible.
 */
export interface WorkloadSection extends vscode.Disposable {
  readonly id: string;
  /** Position among sections, ascending. */
  readonly order: number;
  roots(): TreeNode[] | Promise<TreeNode[]>;
  readonly onDidChange: vscode.Event<TreeNode | undefined>;
  setVisible(visible: boolean): void;
  /** Manual refresh: immediate, bypasses any debounce. */
  refresh(): Promise<void>;
}
