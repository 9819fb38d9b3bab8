/**
 * Hover on a key or value of a recognised manifest: the schema's description, its type, and its
 * allowed values (with the hovered value marked). Like completion, the path comes from the lines
 * around the cursor, so hover works in a document that does not parse right now.
 */
import { pathAtCursor } from './yamlPath';
import { RUN_STRATEGIES } from './kinds';
import type { ParsedDoc } from './parse';
import type { SchemaStore, SchemaVersions } from './schemas';
import { schemaMarkdown } from './complete';

export interface ManifestHover {
  /** Markdown. */
  markdown: string;
  start: number;
  end: number;
}

export function hover(
  text: string,
  offset: number,
  parsed: ParsedDoc | undefined,
  schemas: SchemaStore,
  k8sVersion: SchemaVersions | string,
): ManifestHover | undefined {
  const at = pathAtCursor(text, offset);
  if (!at) return undefined;
  const k = parsed?.kindInfo;
  if (!k) return undefined;
  if (at.path.length === 1 && at.path[0] === 'apiVersion' && k.removed) {
    return {
      markdown: `\`${parsed?.apiVersion ?? ''}\` is no longer served: use \`${k.removed.replacement}\`.`,
      start: at.start,
      end: at.end,
    };
  }
  const root = schemas.forKind(k, k8sVersion);
  const s = schemas.resolveAt(root, at.path);
  if (!s) return undefined;
  const key = String(at.path[at.path.length - 1]);
  let md = schemaMarkdown(schemas, s, key);
  if (!s.enum && key === 'runStrategy')
    md += `\n\nAllowed values: ${RUN_STRATEGIES.map((v) => `\`${v}\``).join(', ')}`;
  if (at.on === 'value' && s.enum?.length) {
    const v = text.slice(at.start, at.end).replace(/^["']|["']$/g, '');
    const known = s.enum.map(String).includes(v);
    md += known ? `\n\n\`${v}\` is one of the allowed values.` : `\n\n\`${v}\` is not an allowed value.`;
  }
  md += `\n\n_${pathText(at.path)}_`;
  return { markdown: md, start: at.start, end: at.end };
}

/** `spec.template.spec.volumes[0].name` */
function pathText(path: readonly (string | number)[]): string {
  let s = '';
  for (const p of path) s += typeof p === 'number' ? `[${p}]` : s ? `.${p}` : p;
  return s;
}
