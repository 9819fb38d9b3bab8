/**
 * Where the cursor is in a YAML document, worked out from the lines around it rather than from
 * a parse tree. Completion and hover run on half-typed text (`    dis|`, `- name: ` with no
 * value yet) where a YAML parser either fails or builds a tree that no longer matches what the
 * user sees; indentation is what the user sees. Only the lines of the current document are
 * scanned (a `---` marker stops the scan), so the cost does not grow with the file.
 */

export type YamlPath = (string | number)[];

/** What the cursor is on. */
export type CursorContext =
  /** Typing a key (or on an empty line) in the mapping at `path`; `prefix` is what is typed so far. */
  | {
      kind: 'key';
      path: YamlPath;
      prefix: string;
      replaceStart: number;
      keyColumn: number;
      siblings: Set<string>;
      inNewItem: boolean;
    }
  /** Typing the value of `path` (its last element is the key). */
  | { kind: 'value'; path: YamlPath; prefix: string; replaceStart: number; replaceEnd: number }
  | { kind: 'none' };

/** A key or value under the cursor, for hover. */
export interface PathAtCursor {
  path: YamlPath;
  /** The range of the key (for a key hover) or the value (for a value hover). */
  start: number;
  end: number;
  on: 'key' | 'value';
}

interface Line {
  start: number;
  /** text without the line break */
  text: string;
}

/** Lines of `text` around `offset`, bounded by document markers. */
class LineCursor {
  constructor(readonly text: string) {}

  lineAt(offset: number): Line {
    // lastIndexOf reads a negative position as 0: at offset 0 it would find a leading newline
    // and put line 0 after it (and `prev` would then loop on that line for ever).
    const start = offset <= 0 ? 0 : this.text.lastIndexOf('\n', offset - 1) + 1;
    let end = this.text.indexOf('\n', offset);
    if (end < 0) end = this.text.length;
    let t = this.text.slice(start, end);
    if (t.endsWith('\r')) t = t.slice(0, -1);
    return { start, text: t };
  }

  /** The line before `line`, or undefined at the start of the text. */
  prev(line: Line): Line | undefined {
    if (line.start === 0) return undefined;
    return this.lineAt(line.start - 1);
  }

  next(line: Line): Line | undefined {
    const end = this.text.indexOf('\n', line.start);
    if (end < 0) return undefined;
    return this.lineAt(end + 1);
  }
}

const DOC_MARKER = /^(---|\.\.\.)(\s|$)/;

/**
 * The structure of one line: its dashes (sequence item markers) and the key it starts, if any.
 * `- - name: x` has dashes at 0 and 2 and the key at 4.
 */
interface LineShape {
  indent: number;
  dashes: number[];
  /** column of the first key or scalar after the dashes */
  contentCol: number;
  key?: string;
  /** column just after the colon of the key */
  colonEnd?: number;
  blank: boolean;
  /** the line opens a block scalar (`key: |`, `- >-`) */
  blockScalar: boolean;
}

const KEY_RE = /^("(?:[^"\\]|\\.)*"|'(?:[^']|'')*'|[^\s#'"\-?:,[\]{}][^#]*?|-[^\s#][^#]*?)[ \t]*:(?=\s|$)/;

export function shapeOf(text: string): LineShape {
  let i = 0;
  while (i < text.length && (text[i] === ' ' || text[i] === '\t')) i++;
  const indent = i;
  const dashes: number[] = [];
  while (text[i] === '-' && (i + 1 === text.length || text[i + 1] === ' ' || text[i + 1] === '\t')) {
    dashes.push(i);
    i++;
    while (i < text.length && (text[i] === ' ' || text[i] === '\t')) i++;
  }
  const rest = text.slice(i);
  const blank = rest === '' && dashes.length === 0 ? true : rest.startsWith('#') && dashes.length === 0;
  const shape: LineShape = { indent, dashes, contentCol: i, blank, blockScalar: false };
  const m = KEY_RE.exec(rest);
  if (m) {
    shape.key = unquote(m[1]!);
    shape.colonEnd = i + m[0].length;
    shape.blockScalar = /^[ \t]*[|>][-+0-9]*[ \t]*(#.*)?$/.test(text.slice(shape.colonEnd));
  } else {
    shape.blockScalar = /^[|>][-+0-9]*[ \t]*(#.*)?$/.test(rest);
  }
  return shape;
}

function unquote(k: string): string {
  if (k.startsWith('"') && k.endsWith('"') && k.length >= 2) {
    try {
      return JSON.parse(k) as string;
    } catch {
      return k.slice(1, -1);
    }
  }
  if (k.startsWith("'") && k.endsWith("'") && k.length >= 2) return k.slice(1, -1).replace(/''/g, "'");
  return k;
}

/**
 * The path of the mapping or sequence that a node starting at column `col` on `line` belongs
 * to: walks up to the nearest lines that are less indented. With `itemDash`, the node is the
 * content of a sequence item whose dash is at that column on `line` itself. Sequence items count
 * their earlier siblings so that the index matches the parse tree.
 */
function parentPath(lc: LineCursor, line: Line, col: number, itemDash = -1): YamlPath {
  const path: YamlPath = [];
  let target = itemDash >= 0 ? itemDash + 1 : col;
  let itemIndex = 0;
  for (let l = lc.prev(line); l && (target > 0 || itemDash >= 0); l = lc.prev(l)) {
    if (DOC_MARKER.test(l.text)) break;
    const s = shapeOf(l.text);
    if (s.blank) continue;
    if (itemDash >= 0) {
      if (s.indent > itemDash) continue;
      if (s.indent === itemDash && s.dashes[0] === itemDash) {
        itemIndex++;
        continue;
      }
      // Left the sequence: its index is known. Its owner key is at the dash's column (compact
      // style, usual in Kubernetes) or to the left of it.
      path.push(itemIndex);
      target = itemDash + 1;
      itemDash = -1;
      itemIndex = 0;
    }
    if (s.indent >= target) continue;
    if (s.key !== undefined && s.contentCol < target) {
      // `key:` (possibly after a dash) encloses us: we are under that key.
      path.push(s.key);
      if (s.dashes.length > 0) {
        // The key's mapping is a sequence item; nested dashes on one line (`- - key:`) are rare
        // and approximated by the innermost one.
        itemDash = s.dashes[s.dashes.length - 1]!;
        itemIndex = 0;
        target = itemDash + 1;
        continue;
      }
      target = s.contentCol;
      continue;
    }
    const innerDash = [...s.dashes].reverse().find((d) => d < target);
    if (innerDash !== undefined) {
      // A sibling inside the item this dash opens (`- name: x` then `  image: y`).
      itemDash = innerDash;
      itemIndex = 0;
      target = innerDash + 1;
    }
  }
  if (itemDash >= 0) path.push(itemIndex);
  return path.reverse();
}

/** Keys already present in the mapping whose keys start at column `col` around `line`. */
function siblingKeys(lc: LineCursor, line: Line, col: number): Set<string> {
  const keys = new Set<string>();
  for (let l = lc.prev(line); l; l = lc.prev(l)) {
    if (DOC_MARKER.test(l.text)) break;
    const s = shapeOf(l.text);
    if (s.blank || s.contentCol > col) continue;
    if (s.contentCol === col && s.key !== undefined) keys.add(s.key);
    // An item's first key (`- name:`) or a less-indented line ends the mapping upwards.
    if (s.contentCol < col || s.dashes.length > 0) break;
  }
  for (let l = lc.next(line); l; l = lc.next(l)) {
    if (DOC_MARKER.test(l.text)) break;
    const s = shapeOf(l.text);
    if (s.blank || s.indent > col) continue;
    if (s.indent < col) break;
    if (s.dashes[0] === col) continue; // a compact sequence under a sibling key
    if (s.key !== undefined) keys.add(s.key);
  }
  return keys;
}

/**
 * Is `line` inside a block scalar that started above (so it is text, not structure)? Follows the
 * chain of less-indented lines upwards; any of them opening a block scalar means yes.
 */
function inBlockScalar(lc: LineCursor, line: Line, col: number): boolean {
  let minIndent = col;
  for (let l = lc.prev(line); l && minIndent > 0; l = lc.prev(l)) {
    if (DOC_MARKER.test(l.text)) return false;
    if (l.text.trim() === '') continue;
    const s = shapeOf(l.text);
    if (s.indent < minIndent) {
      if (s.blockScalar) return true;
      minIndent = s.indent;
    }
  }
  return false;
}

/** The completion context at `offset` in `text` (the whole file; only nearby lines are read). */
export function cursorContext(text: string, offset: number): CursorContext {
  const lc = new LineCursor(text);
  const line = lc.lineAt(offset);
  const col = offset - line.start;
  const before = line.text.slice(0, col);
  if (before.includes('#') && /(^|\s)#/.test(before)) return { kind: 'none' };
  if (DOC_MARKER.test(line.text)) return { kind: 'none' };
  const s = shapeOf(before);
  if (inBlockScalar(lc, line, s.indent)) return { kind: 'none' };
  if (s.key !== undefined && s.colonEnd !== undefined) {
    // `key: partial|` → the value of key.
    const path = [...pathForContent(lc, line, s), s.key];
    const valueText = before.slice(s.colonEnd);
    if (/^\s*[|>]/.test(valueText) || /^\s*[[{]/.test(valueText)) return { kind: 'none' };
    const lead = valueText.length - valueText.trimStart().length;
    const replaceStart = line.start + s.colonEnd + lead;
    const after = line.text.slice(col);
    const restOfValue = /^[^#\s]*/.exec(after)![0];
    return {
      kind: 'value',
      path,
      prefix: stripQuote(valueText.trimStart()),
      replaceStart,
      replaceEnd: offset + restOfValue.length,
    };
  }
  const word = before.slice(s.contentCol);
  if (/[:{}[\],]/.test(word) || /\s/.test(word.trimEnd()) || word.startsWith('"') || word.startsWith("'"))
    return { kind: 'none' };
  const keyColumn = s.contentCol;
  const inNewItem = s.dashes.length > 0;
  const path = pathForContent(lc, line, s);
  const siblings = inNewItem ? new Set<string>() : siblingKeys(lc, line, keyColumn);
  return {
    kind: 'key',
    path,
    prefix: word,
    replaceStart: line.start + keyColumn,
    keyColumn,
    siblings,
    inNewItem,
  };
}

/** The path of the mapping (or item) that content at `s.contentCol` on `line` belongs to. */
function pathForContent(lc: LineCursor, line: Line, s: LineShape): YamlPath {
  if (s.dashes.length === 0) return parentPath(lc, line, s.contentCol);
  const path = parentPath(lc, line, s.contentCol, s.dashes[0]);
  for (let i = 1; i < s.dashes.length; i++) path.push(0);
  return path;
}

function stripQuote(v: string): string {
  return v.startsWith('"') || v.startsWith("'") ? v.slice(1) : v;
}

/** The key or value under `offset`, for hover. */
export function pathAtCursor(text: string, offset: number): PathAtCursor | undefined {
  const lc = new LineCursor(text);
  const line = lc.lineAt(offset);
  if (DOC_MARKER.test(line.text)) return undefined;
  const col = offset - line.start;
  const s = shapeOf(line.text);
  if (s.blank || s.key === undefined || s.colonEnd === undefined) return undefined;
  if (inBlockScalar(lc, line, s.indent)) return undefined;
  const path = [...pathForContent(lc, line, s), s.key];
  const keyEnd = line.text.lastIndexOf(':', s.colonEnd - 1);
  if (col >= s.contentCol && col <= keyEnd)
    return { path, start: line.start + s.contentCol, end: line.start + keyEnd, on: 'key' };
  const valueStart =
    s.colonEnd + (line.text.slice(s.colonEnd).length - line.text.slice(s.colonEnd).trimStart().length);
  const valueEnd = line.text.replace(/\s+#.*$/, '').trimEnd().length;
  if (col >= valueStart && col <= valueEnd && valueEnd > valueStart)
    return { path, start: line.start + valueStart, end: line.start + valueEnd, on: 'value' };
  return undefined;
}
