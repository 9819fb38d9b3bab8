/**
 * cloud-init user data that declares `#cloud-config` must be YAML (a mapping). Errors inside a
 * literal block scalar are mapped back to the exact line and column in the manifest.
 */
import type { Node } from 'yaml';
import { firstLine } from '../../common/text';
import { isMap, parseDocument, Scalar } from '../yamlFns';
import { hasPlaceholder } from '../placeholders';
import { pair, report, type CheckContext } from './context';
import { fastParse } from '../yamlFast';
import { YAML_OPTIONS } from '../parse';

export function checkCloudInit(ctx: CheckContext, volume: Node, key: string): void {
  const p = pair(volume, 'userData');
  const node = p?.value;
  if (!(node instanceof Scalar) || typeof node.value !== 'string' || !node.range) return;
  const data = node.value;
  if (!/^#cloud-config[ \t]*(\r?\n|$)/.test(data)) return;
  if (ctx.templated && hasPlaceholder(data)) return;
  // What the fast parser takes has no YAML errors (under 1.2, so none under 1.1 either: the two
  // differ in what plain scalars mean, not in structure); its root says mapping or not.
  const fast = fastParse(data, YAML_OPTIONS);
  if (fast) {
    if (!isMap(fast.contents)) notAMapping(ctx, node, key);
    return;
  }
  const doc = parseDocument(data, { version: '1.1', prettyErrors: false, uniqueKeys: false });
  const toSource = sourceMapper(ctx.parsed.slice.text, node);
  const err = doc.errors[0];
  if (err) {
    const [s, e] = err.pos;
    let at: Node | [number, number] = node;
    if (toSource) {
      const a = toSource(s);
      at = [a, Math.max(a + 1, toSource(Math.max(s, e)))];
    }
    report(
      ctx,
      at,
      'error',
      'cloudinit.invalid-yaml',
      `\`${key}.userData\` starts with #cloud-config but is not valid YAML: ${firstLine(err.message).replace(/ at line \d+, column \d+:?$/, '')}`,
      { yamlCode: err.code },
    );
    return;
  }
  if (doc.contents !== null && !isMap(doc.contents)) notAMapping(ctx, node, key);
}

function notAMapping(ctx: CheckContext, node: Node, key: string): void {
  report(
    ctx,
    node,
    'error',
    'cloudinit.not-a-mapping',
    `\`${key}.userData\` starts with #cloud-config but is not a mapping of cloud-init modules`,
  );
}

/** Maps an offset in a scalar's value to a slice-local source offset (exact for literal blocks). */
function sourceMapper(text: string, node: Scalar): ((o: number) => number) | undefined {
  const [start, end] = node.range!;
  if (node.type !== Scalar.BLOCK_LITERAL) return undefined;
  const contentStart = text.indexOf('\n', start) + 1;
  if (contentStart <= 0 || contentStart > end) return undefined;
  // Indentation: the first non-blank content line's leading spaces.
  let indent = 0;
  for (let i = contentStart; i < end;) {
    const nl = text.indexOf('\n', i);
    const lineEnd = nl < 0 || nl > end ? end : nl;
    const line = text.slice(i, lineEnd);
    if (line.trim()) {
      indent = line.length - line.trimStart().length;
      break;
    }
    i = lineEnd + 1;
  }
  const value = node.value as string;
  return (o: number) => {
    let line = 0;
    let ls = 0;
    for (let i = value.indexOf('\n'); i >= 0 && i < o; i = value.indexOf('\n', i + 1)) {
      line++;
      ls = i + 1;
    }
    let src = contentStart;
    for (let k = 0; k < line; k++) {
      const nl = text.indexOf('\n', src);
      if (nl < 0 || nl >= end) return end;
      src = nl + 1;
    }
    const nl = text.indexOf('\n', src);
    const lineEnd = nl < 0 ? text.length : nl;
    return Math.min(src + indent + (o - ls), lineEnd, end);
  };
}
