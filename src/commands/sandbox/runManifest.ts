import * as path from 'path';
import * as vscode from 'vscode';
import { UserError } from '../../common/errors';
import type { Command } from '../command';
import { chooseLevel, launchSpec, requireTrust } from './common';

type YamlDoc = import('../../sandbox').YamlDoc;

/**
 * "Run locally" (the manifest CodeLens): a Pod/workload with `runtimeClassName` runs in the
 * level its RuntimeClass handler names; RuntimeClasses are looked up in the same file, then the
 * workspace. Arguments: `(uri, documentIndex, { terminal? })`.
 */
export const runManifest: Command = {
  id: 'podvisor.sandbox.runManifest',
  async execute(svc, uriArg?: unknown, indexArg?: unknown, opts?: unknown) {
    requireTrust();
    const uri = uriArg instanceof vscode.Uri ? uriArg : typeof uriArg === 'string' ? vscode.Uri.file(uriArg) : vscode.window.activeTextEditor?.document.uri;
    if (!uri) throw new UserError(vscode.l10n.t('Open a manifest first'));
    const m = svc.sandboxes.manager.module();
    const text = (await vscode.workspace.openTextDocument(uri)).getText();
    const docs = m.yamlDocs(uri.fsPath, text);
    const index = typeof indexArg === 'number' ? indexArg : docAtCursor(uri, text);
    const doc = docs.find((d) => d.index === index) ?? (docs.length === 1 ? docs[0] : undefined);
    if (!doc) throw new UserError(vscode.l10n.t('No manifest document {0} in {1}', index, path.basename(uri.fsPath)));
    const kind = doc.value.kind;
    if (kind === 'VirtualMachine' || kind === 'VirtualMachineInstance') {
      throw new UserError(vscode.l10n.t('Running KubeVirt {0} locally needs the microVM level, which is not available in this build', String(kind)));
    }
    const plan = m.podPlan(doc, [...docs, ...(await workspaceRuntimeClasses(m, uri))]);
    for (const n of plan.spec.notes) svc.log.warn(`${plan.spec.source.label}: ${n}`);
    const o = (typeof opts === 'object' && opts !== null ? opts : {}) as { terminal?: unknown };
    // The RuntimeClass decides the level; without one, ask (container levels only).
    const level = plan.runtimeClass ? await chooseLevel(svc, plan.level) : await chooseLevel(svc, undefined, ['container', 'gvisor', 'kata']);
    if (!level) return undefined;
    return launchSpec(svc, plan.spec, level, { terminal: o.terminal === true });
  },
};

function docAtCursor(uri: vscode.Uri, text: string): number {
  const ed = vscode.window.activeTextEditor;
  if (!ed || ed.document.uri.toString() !== uri.toString()) return 0;
  const before = text.slice(0, ed.document.offsetAt(ed.selection.active));
  return (before.match(/^---/gm) ?? []).length - (/^---/.test(text) ? 1 : 0);
}

async function workspaceRuntimeClasses(m: typeof import('../../sandbox'), current: vscode.Uri): Promise<YamlDoc[]> {
  const files = await vscode.workspace.findFiles('**/*.{yaml,yml}', '**/node_modules/**', 500);
  const out: YamlDoc[] = [];
  for (const f of files) {
    if (f.toString() === current.toString()) continue;
    const bytes = await vscode.workspace.fs.readFile(f);
    const text = Buffer.from(bytes).toString('utf8');
    if (!/kind:\s*RuntimeClass/.test(text)) continue;
    out.push(...m.yamlDocs(f.fsPath, text).filter((d) => d.value.kind === 'RuntimeClass'));
  }
  return out;
}
