import * as path from 'path';
import * as vscode from 'vscode';
import { UserError } from '../../common/errors';
import type { Command } from '../command';
import type { Services } from '../../host/services';
import { withProgress } from '../../host/progress';
import { showSerialTerminal } from '../vm/serialTerminal';
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
    const uri =
      uriArg instanceof vscode.Uri
        ? uriArg
        : typeof uriArg === 'string'
          ? vscode.Uri.file(uriArg)
          : vscode.window.activeTextEditor?.document.uri;
    if (!uri) throw new UserError(vscode.l10n.t('Open a manifest first'));
    const m = svc.sandboxes.module();
    const text = (await vscode.workspace.openTextDocument(uri)).getText();
    const docs = m.yamlDocs(uri.fsPath, text);
    const index = typeof indexArg === 'number' ? indexArg : docAtCursor(uri, text);
    const doc = docs.find((d) => d.index === index) ?? (docs.length === 1 ? docs[0] : undefined);
    if (!doc)
      throw new UserError(vscode.l10n.t('No manifest document {0} in {1}', index, path.basename(uri.fsPath)));
    if (m.isKubevirtVm(doc)) return runKubevirt(svc, m, doc);
    const plan = m.podPlan(doc, [...docs, ...(await workspaceRuntimeClasses(m, uri))]);
    for (const n of plan.spec.notes) svc.log.warn(`${plan.spec.source.label}: ${n}`);
    const o = (typeof opts === 'object' && opts !== null ? opts : {}) as { terminal?: unknown };
    // The RuntimeClass decides the level; without one, ask (container levels only).
    const level = plan.runtimeClass
      ? await chooseLevel(svc, plan.level)
      : await chooseLevel(svc, undefined, ['container', 'gvisor', 'kata']);
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

async function workspaceRuntimeClasses(
  m: typeof import('../../sandbox'),
  current: vscode.Uri,
): Promise<YamlDoc[]> {
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

/** A KubeVirt VM/VMI becomes an ordinary Podvisor VM (VMs view) booted from its containerDisk; its console opens. */
async function runKubevirt(svc: Services, m: typeof import('../../sandbox'), doc: YamlDoc): Promise<unknown> {
  const plan = m.kubevirtPlan(doc);
  svc.log.info(
    `${plan.label}: running locally as VM ${plan.name} (${plan.cpus} vCPU, ${plan.memoryMiB} MiB, containerDisk ${plan.containerDisk.image})`,
  );
  if (plan.notes.length) svc.log.warn(`${plan.label}: not honoured locally:\n  ${plan.notes.join('\n  ')}`);
  const store = await svc.vms.ready();
  const engine = await svc.sandboxes.backend().engine();
  const cacheDir = path.join(svc.context.globalStorageUri.fsPath, 'sandboxes', 'cache');
  const h = await withProgress(vscode.l10n.t('Booting {0} locally', plan.label), (signal, report) => {
    report(vscode.l10n.t('disk from {0}', plan.containerDisk.image));
    return m.launchKubevirt(
      store,
      engine,
      plan,
      { file: doc.file, documentIndex: doc.index },
      cacheDir,
      signal,
    );
  });
  showSerialTerminal(plan.name, h.serial);
  if (plan.notes.length) {
    void vscode.window
      .showWarningMessage(
        vscode.l10n.t(
          '{0} is booting as VM {1}; {2} field(s) could not be honoured locally.',
          plan.label,
          plan.name,
          plan.notes.length,
        ),
        vscode.l10n.t('Open Log'),
      )
      .then((p) => p && svc.log.show(true));
  }
  return { vm: plan.name, notes: plan.notes };
}
