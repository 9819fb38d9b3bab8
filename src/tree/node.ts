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
 * One top-level part of the Workloads view (containers, images, VMs, libvirt, sandboxes).
 * A section refreshes from its own event source and fires `onDidChange` with the node that
 * changed (or undefined for its whole subtree). `setVisible(false)` must stop every timer.
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
