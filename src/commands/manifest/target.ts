import * as vscode from 'vscode';
import { UserError } from '../../common/errors';
import type { Services } from '../../host/services';
import type { ParsedDoc } from '../../manifests/parse';
import type { ManifestService } from '../../manifests/service';

/** What a manifest command acts on: a file, and one of its documents when the caller said which. */
export interface ManifestTarget {
  doc: vscode.TextDocument;
  engine: ManifestService;
  /** The chosen document (CodeLens: by index; palette: the one under the cursor). */
  parsed?: ParsedDoc;
}

/**
 * Resolves the command's arguments `(uri?, documentIndex?)` as sent by the CodeLens, or falls
 * back to the active editor and its cursor (command palette).
 */
export async function manifestTarget(
  svc: Services,
  uriArg: unknown,
  indexArg: unknown,
  needDocument: boolean,
): Promise<ManifestTarget> {
  let doc: vscode.TextDocument | undefined;
  let cursor: number | undefined;
  if (uriArg instanceof vscode.Uri) doc = await vscode.workspace.openTextDocument(uriArg);
  else if (typeof uriArg === 'string' && uriArg)
    doc = await vscode.workspace.openTextDocument(vscode.Uri.parse(uriArg));
  else {
    const ed = vscode.window.activeTextEditor;
    doc = ed?.document;
    if (ed) cursor = ed.document.offsetAt(ed.selection.active);
  }
  if (!doc) throw new UserError(vscode.l10n.t('Open a YAML manifest first.'));
  const engine = svc.manifests.sync(doc);
  const docs = engine?.documents(doc.uri.toString()) ?? [];
  if (!engine || !docs.some((p) => p.kindInfo)) {
    throw new UserError(
      vscode.l10n.t(
        '{0} holds no KubeVirt, Pod, workload or RuntimeClass manifest.',
        vscode.workspace.asRelativePath(doc.uri),
      ),
    );
  }
  let parsed: ParsedDoc | undefined;
  if (typeof indexArg === 'number' && Number.isInteger(indexArg)) {
    parsed = docs[indexArg];
    if (!parsed) throw new UserError(vscode.l10n.t('The file has no document #{0} any more.', indexArg + 1));
  } else if (cursor !== undefined) {
    parsed = engine.documentAt(doc.uri.toString(), cursor);
  }
  if (needDocument && !parsed?.kindInfo) {
    parsed = docs.find((p) => p.kindInfo);
  }
  return { doc, engine, ...(parsed ? { parsed } : {}) };
}

/** `VirtualMachine fedora-dev` */
export function describeDoc(p: ParsedDoc | undefined): string {
  if (!p) return 'manifest';
  const name = p.doc.getIn(['metadata', 'name']);
  return `${p.kind ?? 'document'}${typeof name === 'string' ? ` ${name}` : ''}`;
}
