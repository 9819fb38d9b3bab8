import * as vscode from 'vscode';

export { escapeMarkdown, markdownCode } from '../common/markdown';

/**
 * A tooltip from Markdown whose untrusted parts were escaped with `escapeMarkdown` /
 * `markdownCode`: never trusted (no command links), no HTML. `icons` lets the caller's own
 * `$(name)` codicons render (escaped text cannot add any).
 */
export function tooltipMarkdown(value: string, opts: { icons?: boolean } = {}): vscode.MarkdownString {
  const md = new vscode.MarkdownString(value, opts.icons ?? false);
  md.isTrusted = false;
  md.supportHtml = false;
  return md;
}
