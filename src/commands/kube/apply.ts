import * as vscode from 'vscode';
import type { ApplyProblem } from '../../backends/kube';
import { CancelledError, UserError } from '../../common/errors';
import { withProgress } from '../../host/progress';
import type { Command } from '../command';
import { kubeDocuments } from './documents';

let diagnostics: vscode.DiagnosticCollection | undefined;
function collection(): vscode.DiagnosticCollection {
  return (diagnostics ??= vscode.languages.createDiagnosticCollection('podvisor-apply'));
}

function show(doc: vscode.TextDocument, problems: readonly ApplyProblem[]): void {
  collection().set(
    doc.uri,
    problems.map((p) => {
      const d = new vscode.Diagnostic(
        new vscode.Range(doc.positionAt(p.start), doc.positionAt(p.end)),
        p.message,
        vscode.DiagnosticSeverity.Error,
      );
      d.source = 'kube-apiserver';
      return d;
    }),
  );
}

/**
 * Apply the whole file (every document) to the selected context: a server-side dry run first,
 * the live objects against the dry-run result in the diff editor, then — when confirmed — a
 * server-side apply (field manager `podvisor`); conflicts ask before forcing. The API server's
 * errors become diagnostics on the document's lines.
 */
export const kubeApply: Command = {
  id: 'podvisor.kube.apply',
  async execute(svc, arg?: unknown, opts?: { confirm?: boolean; force?: boolean }) {
    const uri = arg instanceof vscode.Uri ? arg : vscode.window.activeTextEditor?.document.uri;
    if (!uri) throw new UserError(vscode.l10n.t('Open a manifest to apply.'));
    const doc = await vscode.workspace.openTextDocument(uri);
    const section = svc.clusters;
    const b = section.backend;
    const context = section.selectedContext;
    const store = section.store(context);
    const info = section.context(context)!.info;
    const { docs, problems } = b.parseForApply(doc.getText(), info.namespace || 'default');
    show(doc, problems);
    if (problems.length && !docs.length) throw new UserError(problems[0]!.message);
    const dry = await withProgress(vscode.l10n.t('Dry run on {0}…', context), (signal) =>
      b.applyDocuments(store.http, docs, { dryRun: true, withLive: true, signal }),
    );
    show(doc, [...problems, ...dry.problems]);
    if (dry.problems.length)
      throw new UserError(
        vscode.l10n.t('The API server rejected {0} document(s): see Problems.', dry.problems.length),
      );
    const key = `${context}/apply/${Date.now()}`;
    const left = kubeDocuments().set(
      `${key}/live`,
      dry.results
        .map((r) => `---\n${r.live || `# ${r.doc.kind} ${r.doc.name} does not exist yet\n`}`)
        .join(''),
    );
    const right = kubeDocuments().set(`${key}/dry-run`, dry.results.map((r) => `---\n${r.result}`).join(''));
    const changed = dry.results.filter((r) => r.changed).length;
    await vscode.commands.executeCommand(
      'vscode.diff',
      left,
      right,
      vscode.l10n.t('{0}: live ↔ dry run ({1} of {2} change)', context, changed, dry.results.length),
    );
    if (opts?.confirm !== false) {
      const go = vscode.l10n.t('Apply');
      const ok = await vscode.window.showInformationMessage(
        vscode.l10n.t('Apply {0} document(s) to {1}?', dry.results.length, context),
        { modal: true },
        go,
      );
      if (ok !== go) throw new CancelledError();
    }
    let out = await withProgress(vscode.l10n.t('Applying to {0}…', context), (signal) =>
      b.applyDocuments(store.http, docs, { dryRun: false, force: opts?.force, signal }),
    );
    if (out.conflicts.length && !opts?.force) {
      const force = vscode.l10n.t('Take over the fields');
      const ok =
        opts?.confirm === false
          ? undefined
          : await vscode.window.showWarningMessage(
              out.conflicts.map((c) => c.message).join('\n'),
              { modal: true },
              force,
            );
      if (ok !== force) throw new UserError(out.conflicts[0]!.message);
      out = await withProgress(vscode.l10n.t('Applying to {0}…', context), (signal) =>
        b.applyDocuments(
          store.http,
          out.conflicts.map((c) => c.doc),
          { dryRun: false, force: true, signal },
        ),
      );
    }
    show(doc, out.problems);
    if (out.problems.length)
      throw new UserError(
        vscode.l10n.t('The API server rejected {0} document(s): see Problems.', out.problems.length),
      );
    svc.log.info(`kube ${context}: applied ${docs.length} document(s) from ${uri.fsPath}`);
    return out;
  },
};
