import * as vscode from 'vscode';
import type { Services } from './services';

/**
 * Podvisor's public API: what `vscode.extensions.getExtension('podvisor.podvisor').activate()`
 * resolves to for other extensions. Kept small on purpose; additions are versioned by
 * `apiVersion` and never remove a member within a version.
 */
export interface PodvisorApi {
  /** 1 for this shape. */
  readonly apiVersion: 1;
  /** Refreshes every section of the Workloads view now (what the view's Refresh button does). */
  refresh(): Promise<void>;
  /** Fires after the Workloads view changed (a row added, removed or re-rendered). */
  readonly onDidChangeWorkloads: vscode.Event<void>;
}

/**
 * The in-host tests' view: the public API plus the internal `Services`, handed out only when the
 * extension runs under a test runner or from its sources (ExtensionMode Test or Development),
 * never to other extensions in a user's installation.
 */
export interface PodvisorTestApi extends PodvisorApi {
  readonly services: Services;
}

export function createApi(svc: Services): PodvisorApi | PodvisorTestApi {
  const onDidChangeWorkloads = (
    listener: () => unknown,
    thisArgs?: unknown,
    disposables?: vscode.Disposable[],
  ): vscode.Disposable => svc.tree.onDidChangeTreeData(() => listener.call(thisArgs), undefined, disposables);
  const api: PodvisorApi = {
    apiVersion: 1,
    refresh: () => svc.tree.refresh(),
    onDidChangeWorkloads,
  };
  return svc.context.extensionMode === vscode.ExtensionMode.Production ? api : { ...api, services: svc };
}
