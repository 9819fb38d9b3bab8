/**
 * Splits a multi-document YAML file into per-document slices at `---` markers, without parsing,
 * so an edit re-parses only the slice it touched. Offsets are 0-based UTF-16 offsets into the file.
 */
export interface DocSlice {
  /** Position of the document in the file (0-based). */
  readonly index: number;
  /** Offset of the slice's first character in the file (the `---` line belongs to the slice it opens). */
  readonly start: number;
  /** Offset just past the slice's last character. */
  readonly end: number;
  readonly text: string;
}

/**
 * A `---` at column 0 followed by whitespace or end of line starts a document. Block scalars are
 * indented, so a column-0 marker is never inside one; a file with no marker is one slice.
 */
export function splitDocuments(text: string): DocSlice[] {
  const starts: number[] = [0];
  let pos = 0;
  const n = text.length;
  while (pos < n) {
    if (text.charCodeAt(pos) === 45 /* - */ && text.startsWith('---', pos)) {
      const c = pos + 3 < n ? text.charCodeAt(pos + 3) : 10;
      if ((c === 10 || c === 13 || c === 32 || c === 9) && pos !== 0) starts.push(pos);
    }
    const nl = text.indexOf('\n', pos);
    if (nl < 0) break;
    pos = nl + 1;
  }
  return starts.map((start, i) => {
    const end = starts[i + 1] ?? n;
    return { index: i, start, end, text: text.slice(start, end) };
  });
}

/** Line starts of a text (for converting offsets to line/column outside the editor). */
export function lineStarts(text: string): number[] {
  const r = [0];
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) r.push(i + 1);
  return r;
}

/** 0-based line and UTF-16 column of an offset, given `lineStarts(text)`. */
export function positionOf(starts: readonly number[], offset: number): { line: number; character: number } {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if ((starts[mid] ?? offset) <= offset) lo = mid;
    else hi = mid - 1;
  }
  // No line starts at all is one line from offset 0.
  return { line: lo, character: offset - (starts[lo] ?? 0) };
}
