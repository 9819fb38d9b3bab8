/**
 * Template placeholders: envsubst `${VAR}`, Helm/Go `{{ … }}`, Jinja `{% … %}` / `{{ … }}`.
 * A document that holds them is a template, not a manifest: checks that would misfire on the
 * placeholder are skipped, and the file gets one info diagnostic instead of a storm of errors.
 */
export type PlaceholderKind = 'envsubst' | 'helm' | 'jinja' | 'docs' | 'tekton';

/**
 * Documentation placeholders (`<name>`, `<your-image>`, `registry/<project>/app:<tag>`) and
 * Tekton's `$(params.image)`: values a reader replaces, not values to check.
 */
const DOCS = /<(?![</!?])[A-Za-z][\w .:-]{0,40}>/;
const TEKTON = /\$\((?:params|context|tasks|workspaces|steps|results|resources|inputs|outputs)\.[^)\s]+\)/;

function docsOrTekton(s: string): PlaceholderHit | undefined {
  if (s.length > 200 || s.includes('</')) return undefined;
  const t = s.includes('$(') ? TEKTON.exec(s) : null;
  if (t) return { start: t.index, end: t.index + t[0].length, kind: 'tekton', text: t[0] };
  const d = s.includes('<') ? DOCS.exec(s) : null;
  return d ? { start: d.index, end: d.index + d[0].length, kind: 'docs', text: d[0] } : undefined;
}

const ANY = /\$\{[A-Za-z_][A-Za-z0-9_]*(?:[:?+=-][^}\n]*)?\}|\{\{-?.*?-?\}\}|\{%-?.*?-?%\}|\{#.*?#\}/;
const ANY_G = new RegExp(ANY.source, 'g');
/** Control structures (`{{- if }}`, `{% for %}`): the text is not YAML until rendered. */
const BLOCK =
  /\{\{-?\s*(?:if|else|end|range|with|define|template|include|block)\b|\{%-?\s*(?:if|for|else|elif|endif|endfor|set|macro|include|block)\b/;

/**
 * Bare `$VAR` (envsubst accepts it too) only counts in a value without spaces (`$IMAGE`,
 * `item-$ITEM`): a value with spaces is a shell command, where `$HOME` is the shell's business.
 */
const BARE = /\$[A-Z_][A-Z0-9_]+/;
function bare(s: string): RegExpExecArray | null {
  return s.includes('$') && !/\s/.test(s) && !s.includes('$$') ? BARE.exec(s) : null;
}

/** Placeholder check for one scalar value: `${VAR}` in a value with spaces is a shell command's business. */
export function hasPlaceholder(s: string): boolean {
  return placeholderInValue(s) !== undefined;
}

/** The first placeholder in one scalar value (offsets relative to it), bare `$VAR` included. */
export function placeholderInValue(s: string): PlaceholderHit | undefined {
  if (s.length < 2) return undefined;
  const other = docsOrTekton(s);
  if (other) return other;
  const hit = firstPlaceholder(s);
  if (hit && (hit.kind !== 'envsubst' || !/\s/.test(s))) return hit;
  if (hit) {
    // Spaces: keep only template (not shell) syntax.
    const t = /\{\{-?.*?-?\}\}|\{%-?.*?-?%\}/.exec(s);
    return t
      ? {
          start: t.index,
          end: t.index + t[0].length,
          kind: t[0].startsWith('{%') ? 'jinja' : 'helm',
          text: t[0],
        }
      : undefined;
  }
  const m = bare(s);
  return m ? { start: m.index, end: m.index + m[0].length, kind: 'envsubst', text: m[0] } : undefined;
}

export interface PlaceholderHit {
  start: number;
  end: number;
  kind: PlaceholderKind;
  text: string;
}

/** The first placeholder in a text (offsets relative to it). */
export function firstPlaceholder(s: string): PlaceholderHit | undefined {
  if (!(s.includes('${') || s.includes('{{') || s.includes('{%') || s.includes('{#'))) return undefined;
  ANY_G.lastIndex = 0;
  const m = ANY_G.exec(s);
  if (!m) return undefined;
  const kind: PlaceholderKind = m[0].startsWith('$')
    ? 'envsubst'
    : m[0].startsWith('{%') || m[0].startsWith('{#')
      ? 'jinja'
      : 'helm';
  return { start: m.index, end: m.index + m[0].length, kind, text: m[0] };
}

export function hasBlockTemplate(s: string): boolean {
  return (s.includes('{{') || s.includes('{%')) && BLOCK.test(s);
}

export function describeKind(kind: PlaceholderKind): string {
  return kind === 'envsubst'
    ? 'envsubst `${VAR}`'
    : kind === 'jinja'
      ? 'Jinja'
      : kind === 'docs'
        ? 'documentation `<name>`'
        : kind === 'tekton'
          ? 'Tekton `$(params.x)`'
          : 'Helm/Go template';
}
