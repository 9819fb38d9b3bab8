import * as vscode from 'vscode';
import type { TreeNode } from './node';

export interface MessageOptions {
  readonly description?: string;
  /** A plain string shows as typed; Markdown must come from `tooltipMarkdown` (escaped parts). */
  readonly tooltip?: string | vscode.MarkdownString;
  /** A codicon id (`info`, `error`, `loading~spin`) and an optional theme colour id. */
  readonly icon?: string;
  readonly color?: string;
  /** What a click does: the fix for what the message says (Retry, Open Settings, New VM…). */
  readonly command?: vscode.Command;
  /** `message` unless a menu keys on this message (`docker.unreachable`). */
  readonly contextValue?: string;
}

/**
 * The one message row of every section: "connecting…", "not reachable", "no VMs yet", a
 * failure with its fix as the click action, or an action leaf under a failure (Retry…).
 * Children, when set, show it expanded.
 */
export class MessageNode implements TreeNode {
  children: TreeNode[] = [];

  constructor(
    readonly id: string,
    readonly label: string,
    private readonly opts: MessageOptions = {},
    private readonly parent?: TreeNode,
  ) {}

  getTreeItem(): vscode.TreeItem {
    const item = new vscode.TreeItem(
      this.label,
      this.children.length ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.None,
    );
    item.id = this.id;
    item.description = this.opts.description;
    item.tooltip = this.opts.tooltip;
    item.iconPath = new vscode.ThemeIcon(
      this.opts.icon ?? 'info',
      this.opts.color ? new vscode.ThemeColor(this.opts.color) : undefined,
    );
    item.command = this.opts.command;
    item.contextValue = this.opts.contextValue ?? 'message';
    return item;
  }

  getChildren(): TreeNode[] {
    return this.children;
  }

  getParent(): TreeNode | undefined {
    return this.parent;
  }
}
