/**
 * Template placeholders: envsubst `${VAR}`, Helm/Go `{{ … }}`, Jinja `{% … %}` / `{{ … }}`.
 * A document that holds them is a template, not a manifest: checks that would misfire on the
 * placeholder are skipped, and the file gets one info diagnostic instead of a storm of errors.
 */
export type PlaceholderKind = 'envsubst' | 'helm' | 'jinja';

const ANY = /\$\{[A-Za-z_][A-Za-z0-9_]*(?:[:?+=-][^}\n]*)?\}|\{\{-?.*?-?\}\}|\{%-?.*?-?%\}|\{#.*?#\}/;
const ANY_G = new RegExp(ANY.source, 'g');
/** Control structures (`{{- if }}`, `{% for %}`): the text is not YAML until rendered. */
const BLOCK = /\{\{-?\s*(?:if|else|end|range|with|define|template|include|block)\b|\{%-?\s*(?:if|for|else|elif|endif|endfor|set|macro|include|block)\b/;

export function hasPlaceholder(s: string): boolean {
  return s.length > 3 && (s.includes('${') || s.includes('{{') || s.includes('{%')) && ANY.test(s);
}

export interface PlaceholderHit { start: number; end: number; kind: PlaceholderKind; text: string }

/** The first placeholder in a text (offsets relative to it). */
export function firstPlaceholder(s: string): PlaceholderHit | undefined {
  if (!(s.includes('${') || s.includes('{{') || s.includes('{%') || s.includes('{#'))) return undefined;
  ANY_G.lastIndex = 0;
  const m = ANY_G.exec(s);
  if (!m) return undefined;
  const kind: PlaceholderKind = m[0].startsWith('$') ? 'envsubst' : m[0].startsWith('{%') || m[0].startsWith('{#') ? 'jinja' : 'helm';
  return { start: m.index, end: m.index + m[0].length, kind, text: m[0] };
}

export function hasBlockTemplate(s: string): boolean {
  return (s.includes('{{') || s.includes('{%')) && BLOCK.test(s);
}

export function describeKind(kind: PlaceholderKind): string {
  return kind === 'envsubst' ? 'envsubst `${VAR}`' : kind === 'jinja' ? 'Jinja' : 'Helm/Go template';
}
