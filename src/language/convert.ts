import * as vscode from 'vscode';
import type { ManifestDiagnostic } from '../manifests/diagnostics';

/** Engine offsets → editor ranges (the engine counts UTF-16 offsets into the whole text, like VS Code). */
export function rangeOf(doc: vscode.TextDocument, start: number, end: number): vscode.Range {
  return new vscode.Range(doc.positionAt(start), doc.positionAt(Math.max(start, end)));
}

const SEVERITY: Record<ManifestDiagnostic['severity'], vscode.DiagnosticSeverity> = {
  error: vscode.DiagnosticSeverity.Error,
  warning: vscode.DiagnosticSeverity.Warning,
  info: vscode.DiagnosticSeverity.Information,
  hint: vscode.DiagnosticSeverity.Hint,
};

export const DIAGNOSTIC_SOURCE = 'podvisor';

/** `doc` is an open document, or anything that converts offsets (a closed file's line index). */
export function toDiagnostic(
  doc: Pick<vscode.TextDocument, 'positionAt'>,
  d: ManifestDiagnostic,
): vscode.Diagnostic {
  const r = new vscode.Range(doc.positionAt(d.start), doc.positionAt(Math.max(d.start, d.end)));
  const diag = new vscode.Diagnostic(r, d.message, SEVERITY[d.severity]);
  diag.source = DIAGNOSTIC_SOURCE;
  diag.code = d.code;
  if (d.code === 'kubevirt.running-deprecated' || d.code === 'api.deprecated-kind')
    diag.tags = [vscode.DiagnosticTag.Deprecated];
  return diag;
}

/** Offset → Position for a text that is not open in an editor. */
export function positionsOf(text: string): Pick<vscode.TextDocument, 'positionAt'> {
  const starts = [0];
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return {
    positionAt(offset: number): vscode.Position {
      let lo = 0;
      let hi = starts.length - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if (starts[mid]! <= offset) lo = mid;
        else hi = mid - 1;
      }
      return new vscode.Position(lo, offset - starts[lo]!);
    },
  };
}
