/**
 * The one Markdown escaper. Tooltips are Markdown, and what goes into them (container and VM
 * names, engine error text, paths) is untrusted: escaped here, it shows as typed and can neither
 * format, link, nor inject a `$(icon)`. No vscode: the Docker presenter (an engine) uses it too.
 */

const SPECIAL = /[\\`*_{}[\]()#+\-.!|<>~&$]/g;

/** `text` as literal Markdown inline text (one line: newlines become spaces). */
export function escapeMarkdown(text: string): string {
  // A replacement string, not a callback: this runs for every item of a 2,000-container listing.
  const out = text.replace(SPECIAL, '\\$&');
  return out.includes('\n') ? out.replace(/\r?\n/g, ' ') : out;
}

/** `text` as an inline code span that backticks inside it cannot close early. */
export function markdownCode(text: string): string {
  const flat = text.includes('\n') ? text.replace(/\r?\n/g, ' ') : text;
  if (!flat.includes('`')) return `\` ${flat} \``;
  const ticks = '`'.repeat(Math.max(1, ...(flat.match(/`+/g) ?? []).map((m) => m.length + 1)));
  return `${ticks} ${flat} ${ticks}`;
}
