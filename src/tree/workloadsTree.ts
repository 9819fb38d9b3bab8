import * as vscode from 'vscode';
import type { TreeNode, WorkloadSection } from './node';

const WORKLOADS_VIEW_ID = 'podvisor.workloads';

/**
 * The Workloads view: a TreeDataProvider that concatenates the roots of its sections, in order.
 * With no section (or only empty ones) the view is empty and VS Code shows its welcome content.
 */
export class WorkloadsTree implements vscode.TreeDataProvider<TreeNode>, vscode.Disposable {
  private readonly sections: WorkloadSection[] = [];
  private readonly changed = new vscode.EventEmitter<TreeNode | undefined | void>();
  readonly onDidChangeTreeData = this.changed.event;
  readonly view: vscode.TreeView<TreeNode>;
  private readonly subs: vscode.Disposable[] = [];

  constructor() {
    this.view = vscode.window.createTreeView(WORKLOADS_VIEW_ID, {
      treeDataProvider: this,
      showCollapseAll: true,
    });
    this.subs.push(
      this.view,
      this.view.onDidChangeVisibility((e) => {
        for (const s of this.sections) s.setVisible(e.visible);
      }),
    );
  }

  /** Adds a section; the returned disposable removes and disposes it. */
  addSection(section: WorkloadSection): vscode.Disposable {
    this.sections.push(section);
    this.sections.sort((a, b) => a.order - b.order);
    const sub = section.onDidChange((node) => this.changed.fire(node ?? undefined));
    section.setVisible(this.view.visible);
    this.changed.fire();
    return new vscode.Disposable(() => {
      sub.dispose();
      const i = this.sections.indexOf(section);
      if (i >= 0) this.sections.splice(i, 1);
      section.dispose();
      this.changed.fire();
    });
  }

  /** Manual refresh of every section, immediate. */
  async refresh(): Promise<void> {
    await Promise.all(this.sections.map((s) => s.refresh()));
    this.changed.fire();
  }

  getTreeItem(node: TreeNode): vscode.TreeItem | Thenable<vscode.TreeItem> {
    return node.getTreeItem();
  }

  async getChildren(node?: TreeNode): Promise<TreeNode[]> {
    if (node) return node.getChildren();
    const all = await Promise.all(this.sections.map(async (s) => s.roots()));
    return all.flat();
  }

  getParent(node: TreeNode): TreeNode | undefined {
    return node.getParent();
  }

  dispose(): void {
    for (const s of this.sections.splice(0)) s.dispose();
    for (const d of this.subs.splice(0)) d.dispose();
    this.changed.dispose();
  }
}
