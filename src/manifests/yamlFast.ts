/**
 * A fast parser for the YAML manifests are written in: block mappings and sequences, plain and
 * single-line quoted scalars, literal and folded block scalars, `[]`/`{}` and one-line flow lists
 * of scalars, comments. It builds the `yaml` package's own nodes (YAMLMap, Pair, Scalar …) with
 * the ranges, values and types `parseDocument` gives them under the same options (YAML 1.2 core
 * schema), so every consumer sees the same tree. Anything else — anchors, tags, multi-line plain
 * or quoted scalars, flow mappings, tabs, CRLF, duplicate keys, anything `yaml` would report — and
 * it returns undefined: the caller parses with `yaml`, which then reports the problem. A unit test
 * compares the two on the corpus and on mutated texts (test/unit/manifests/yamlFast.test.ts).
 * Why: `yaml`'s lexer → CST → composer is ~60% of validating a large file; this is several times
 * faster on the same input and falls back for the rest.
 */
import type { Document as YDocument, DocumentOptions, Node, ParseOptions, SchemaOptions } from 'yaml';
import { Document, isMap, isSeq, Pair, Scalar, YAMLMap, YAMLSeq } from './yamlFns';

const SP = 32;
const NL = 10;
const HASH = 35;
const COLON = 58;
const DASH = 45;
const DQ = 34;
const SQ = 39;

/**
 * Nodes are made from prototypes that carry yaml's node-type tag (`Symbol.for('yaml.node.type')`,
 * what `isMap`/`isScalar` read) instead of through the classes' constructors, which define that
 * tag on every instance (`Object.defineProperty`, ~10% of a large file's parse). They are still
 * instances of the classes (`instanceof`, methods); the unit test checks both.
 */
const NODE_TYPE = Symbol.for('yaml.node.type');
const typeOf = (n: object): unknown => (n as Record<symbol, unknown>)[NODE_TYPE];
const SCALAR_P = Object.create(Scalar.prototype, {
  [NODE_TYPE]: { value: typeOf(new Scalar(null)) },
}) as Scalar;
const PAIR_P = Object.create(Pair.prototype, { [NODE_TYPE]: { value: typeOf(new Pair(null)) } }) as Pair;

function scalar(value: unknown): Scalar {
  const s = Object.create(SCALAR_P) as Scalar;
  s.value = value;
  return s;
}

function pair(key: Node, value: Node): Pair {
  const p = Object.create(PAIR_P) as Pair;
  p.key = key;
  p.value = value;
  return p;
}

/** Per options object: its schema, and map/sequence prototypes that hold it (yaml keeps it per node). */
interface Protos {
  schema: unknown;
  map: YAMLMap;
  seq: YAMLSeq;
}

function protosFor(schema: unknown): Protos {
  const hold = (proto: object, sample: object) =>
    Object.create(proto, {
      [NODE_TYPE]: { value: typeOf(sample) },
      schema: { value: schema, writable: true, configurable: true, enumerable: false },
    }) as unknown;
  return {
    schema,
    map: hold(YAMLMap.prototype, new YAMLMap()) as YAMLMap,
    seq: hold(YAMLSeq.prototype, new YAMLSeq()) as YAMLSeq,
  };
}

/** Thrown to give up; caught in `fastParse` (never escapes). */
const BAIL = new Error('yamlFast: not in the fast subset');

type Options = ParseOptions & DocumentOptions & SchemaOptions;

class FastParser {
  private readonly n: number;
  /** Per line: start offset, end offset (the `\n` or the text end), indentation, kind. */
  private readonly ls: number[] = [];
  private readonly le: number[] = [];
  private readonly ind: number[] = [];
  /** 0 blank, 1 comment, 2 content; 3 content with a tab (structural use bails). */
  private readonly kind: number[] = [];
  private li = 0;

  constructor(
    private readonly t: string,
    private readonly protos: Protos,
    private readonly options: Options,
  ) {
    this.n = t.length;
    this.scanLines();
  }

  private scanLines(): void {
    const t = this.t;
    const n = this.n;
    let s = 0;
    while (s <= n) {
      let e = t.indexOf('\n', s);
      if (e < 0) e = n;
      let i = s;
      while (i < e && t.charCodeAt(i) === SP) i++;
      let k: number;
      if (i === e) k = 0;
      else {
        const c = t.charCodeAt(i);
        k = c === HASH ? 1 : 2;
        // Characters the fast path does not take anywhere: CR, other C0 controls, C1 controls,
        // DEL, NEL, BOM, and the Unicode line separators.
        for (let j = i; j < e; j++) {
          const d = t.charCodeAt(j);
          if (d < SP) {
            if (d !== 9) throw BAIL;
            // A tab before a comment or as indentation: leave it to yaml.
            if (k === 1 || j === i) throw BAIL;
            k = 3;
          } else if (d >= 0x7f && (d <= 0x9f || d === 0xfeff || d === 0x2028 || d === 0x2029)) throw BAIL;
        }
      }
      this.ls.push(s);
      this.le.push(e);
      this.ind.push(i - s);
      this.kind.push(k);
      if (e === n) break;
      s = e + 1;
    }
  }

  /** Offset just past line `l`'s newline (or the text end). */
  private after(l: number): number {
    const e = this.le[l]!;
    return e < this.n ? e + 1 : e;
  }

  /** The next line at or after `l` that holds content (not blank, not a comment); -1 at the end. */
  private nextContent(l: number): number {
    const k = this.kind;
    for (let i = l; i < k.length; i++) if (k[i]! >= 2) return i;
    return -1;
  }

  parse(): YDocument.Parsed {
    const t = this.t;
    let first = 0;
    // The `---` line that opens the slice.
    if (t.startsWith('---')) {
      const e = this.le[0]!;
      let i = 3;
      while (i < e && t.charCodeAt(i) === SP) i++;
      if (i < e && t.charCodeAt(i) !== HASH) throw BAIL;
      if (i === 3 && e > 3) throw BAIL;
      first = 1;
    }
    const l = this.nextContent(first);
    if (l < 0) throw BAIL; // an empty document: yaml's (rare, cheap) business
    const indent = this.ind[l]!;
    const pos = this.ls[l]! + indent;
    const c = t.charCodeAt(pos);
    if (c === 37 /* % */ || (c === 46 /* . */ && t.startsWith('...', pos) && indent === 0)) throw BAIL;
    this.li = l;
    const root = this.collection(l);
    if (this.li < this.kind.length) throw BAIL; // content after the root node
    const doc = new Document(undefined, this.options) as YDocument.Parsed;
    doc.contents = root as never;
    // yaml's document starts at the line of its first node (or its `---`), and ends after the
    // trailing lines that moved out of the root node.
    doc.range = [first ? 0 : this.ls[l]!, root.range![2], this.dangling >= 0 ? this.n : root.range![2]];
    return doc;
  }

  private newMap(): YAMLMap {
    const m = Object.create(this.protos.map) as YAMLMap;
    m.items = [];
    return m;
  }

  private newSeq(): YAMLSeq {
    const s = Object.create(this.protos.seq) as YAMLSeq;
    s.items = [];
    return s;
  }

  private isDash(p: number): boolean {
    const t = this.t;
    if (t.charCodeAt(p) !== DASH) return false;
    const c = p + 1 < this.n ? t.charCodeAt(p + 1) : NL;
    return c === SP || c === NL;
  }

  /** The block mapping or sequence whose first line is `l`. */
  private collection(l: number): YAMLMap | YAMLSeq {
    const indent = this.ind[l]!;
    const pos = this.ls[l]! + indent;
    if (this.kind[l] === 3) throw BAIL;
    this.li = l;
    if (this.isDash(pos)) return this.seq(indent, pos);
    if (this.keyEnd(pos, this.le[l]!) < 0) throw BAIL; // a scalar on its own line
    return this.map(indent, pos);
  }

  /**
   * Comment lines below a one-line value that are more indented than its collection (`col`)
   * belong to the value (its range's end); returns the line where the rest of the lines between
   * it and the next content (`stop`) start — they go to the next item, or out with the collection.
   */
  private extendEnd(v: Node, col: number, from: number, stop: number): number {
    let group = from;
    let hasComment = false;
    for (let k = from; k < stop; k++) {
      if (this.kind[k] !== 1) continue;
      if (!hasComment && this.ind[k]! > col) {
        v.range![2] = this.after(k);
        group = k + 1;
      } else hasComment = true;
    }
    return group;
  }

  /**
   * Closes a collection at column `col` whose items end at `end1`; the lines `from`…`stop` after
   * its last value (blank and comment lines) stay in it when one of its comments is indented at
   * least as far as the collection (and it is not at column 0), else they move out with it
   * (`this.dangling`). `nl` is the next content line (-1 at the end).
   */
  private close(
    c: YAMLMap | YAMLSeq,
    pos: number,
    col: number,
    end1: number,
    from: number,
    nl: number,
  ): void {
    const stop = nl < 0 ? this.kind.length : nl;
    this.dangling = -1;
    if (from < 0) {
      c.range = [pos, end1, end1];
      return;
    }
    let stays = false;
    if (col > 0)
      for (let k = from; k < stop; k++)
        if (this.kind[k] === 1 && this.ind[k]! >= col) {
          stays = true;
          break;
        }
    if (stays) c.range = [pos, end1, nl < 0 ? this.n : this.ls[nl]! + this.ind[nl]!];
    else {
      c.range = [pos, end1, end1];
      if (from < stop) this.dangling = from;
    }
  }

  /** Set by `map`/`seq`: the first of the trailing lines that moved out with them, or -1. */
  private dangling = -1;

  /** Where the lines after a value start that are not the value's own (see `close`), or -1. */
  private trailerOf(v: Node, col: number, nl: number): number {
    const stop = nl < 0 ? this.kind.length : nl;
    if (isCollectionNode(v) && !(v as YAMLMap).flow) return this.dangling;
    if ((v as Scalar).type === 'BLOCK_LITERAL' || (v as Scalar).type === 'BLOCK_FOLDED') return this.blockEnd;
    return this.extendEnd(v, col, this.li, stop);
  }

  /** A block sequence whose dashes are at column `col`; the first dash at `pos` on line `this.li`. */
  private seq(col: number, pos: number): YAMLSeq {
    const t = this.t;
    const s = this.newSeq();
    let l = this.li;
    let p = pos;
    for (;;) {
      // After the dash: the item's content on the same line, or on the lines below.
      let ip = p + 1;
      const e = this.le[l]!;
      while (ip < e && t.charCodeAt(ip) === SP) ip++;
      if (this.kind[l] === 3) throw BAIL;
      let item: Node;
      if (ip === e || t.charCodeAt(ip) === HASH) {
        if (ip < e && t.charCodeAt(ip - 1) !== SP) throw BAIL;
        const nl = this.nextContent(l + 1);
        if (nl < 0 || this.ind[nl]! <= col) throw BAIL; // an empty item
        if (ip < e || nl > l + 1) throw BAIL; // comments before the item's node
        item = this.collection(nl);
      } else {
        this.li = l;
        if (this.isDash(ip)) throw BAIL; // `- - x`
        if (this.keyEnd(ip, e) >= 0) item = this.map(ip - this.ls[l]!, ip);
        else item = this.inlineValue(ip, e, col);
      }
      s.items.push(item);
      const nl = this.nextContent(this.li);
      const from = this.trailerOf(item, col, nl);
      const ni = nl < 0 ? -1 : this.ind[nl]!;
      if (ni === col && this.isDash(this.ls[nl]! + ni)) {
        l = nl;
        p = this.ls[nl]! + ni;
        continue;
      }
      if (ni > col) throw BAIL;
      this.close(s, pos, col, item.range![2], from, nl);
      this.li = nl < 0 ? this.kind.length : nl;
      return s;
    }
  }

  /**
   * Where the `:` of a key that starts at `p` is (the key ends before it), or -1 when the line
   * from `p` is not `key:` / `key: value`.
   */
  private keyEnd(p: number, e: number): number {
    const t = this.t;
    const c = t.charCodeAt(p);
    if (c === DQ || c === SQ) {
      const q = this.quotedEnd(p, e);
      if (q < 0) return -1;
      let i = q;
      while (i < e && t.charCodeAt(i) === SP) i++;
      if (i < e && t.charCodeAt(i) === COLON && (i + 1 === e || t.charCodeAt(i + 1) === SP)) return i;
      return -1;
    }
    for (let i = p; i < e; i++) {
      const d = t.charCodeAt(i);
      if (d === COLON) {
        if (i + 1 === e || t.charCodeAt(i + 1) === SP) return i;
      } else if (d === HASH && i > p && t.charCodeAt(i - 1) === SP) return -1;
    }
    return -1;
  }

  /** Offset just past the closing quote of a one-line quoted scalar at `p`, or -1. */
  private quotedEnd(p: number, e: number): number {
    const t = this.t;
    const q = t.charCodeAt(p);
    for (let i = p + 1; i < e; i++) {
      const d = t.charCodeAt(i);
      if (q === DQ && d === 92 /* \ */) i++;
      else if (d === q) {
        if (q === SQ && i + 1 < e && t.charCodeAt(i + 1) === SQ) i++;
        else return i + 1;
      }
    }
    return -1;
  }

  /** A block mapping whose keys are at column `col`, the first at `pos` on line `this.li`. */
  private map(col: number, pos: number): YAMLMap {
    const t = this.t;
    const m = this.newMap();
    const seen = new Set<unknown>();
    let l = this.li;
    let p = pos;
    for (;;) {
      if (this.kind[l] === 3) throw BAIL;
      const e = this.le[l]!;
      const colon = this.keyEnd(p, e);
      if (colon < 0) throw BAIL;
      const key = this.key(p, colon);
      const kv = key.value;
      const kk = typeof kv === 'string' ? kv : `\0${typeof kv}:${String(kv)}`;
      if (seen.has(kk) || kv === '<<') throw BAIL;
      seen.add(kk);
      let vp = colon + 1;
      while (vp < e && t.charCodeAt(vp) === SP) vp++;
      let value: Node;
      let from: number;
      let nl: number;
      if (vp === e || t.charCodeAt(vp) === HASH) {
        if (vp < e && vp === colon + 1) throw BAIL;
        const next = this.nextContent(l + 1);
        const ni = next < 0 ? -1 : this.ind[next]!;
        if (next >= 0 && (ni > col || (ni === col && this.isDash(this.ls[next]! + ni)))) {
          value = ni > col ? this.collection(next) : this.seqAt(next);
          nl = this.nextContent(this.li);
          from = this.dangling;
        } else {
          value = this.emptyValue(l, vp, e, col, next);
          this.li = next < 0 ? this.kind.length : next;
          nl = next;
          from = -1;
        }
      } else {
        this.li = l;
        value = this.inlineValue(vp, e, col);
        nl = this.nextContent(this.li);
        from = this.trailerOf(value, col, nl);
      }
      m.items.push(pair(key, value));
      const ni = nl < 0 ? -1 : this.ind[nl]!;
      if (ni === col) {
        const np = this.ls[nl]! + ni;
        // A dash at the keys' column after a key's value: not this mapping's (yaml reports it).
        if (this.isDash(np)) throw BAIL;
        l = nl;
        p = np;
        continue;
      }
      if (ni > col) throw BAIL;
      this.close(m, pos, col, value.range![2], from, nl);
      this.li = nl < 0 ? this.kind.length : nl;
      return m;
    }
  }

  /** A sequence at its key's column (`key:` then `- item` lines). */
  private seqAt(l: number): YAMLSeq {
    this.li = l;
    return this.seq(this.ind[l]!, this.ls[l]! + this.ind[l]!);
  }

  /**
   * `key:` with nothing after it: a null scalar after the colon (and its spaces). yaml keeps the
   * comments between it and the next content as its separator; when the next key follows, the
   * lines after the second line break (unless an indented comment came after it) go to that key.
   * The scalar's range ends after them only when a comment is among them.
   */
  private emptyValue(l: number, vp: number, e: number, col: number, next: number): Scalar {
    const v = scalar(null);
    v.source = '';
    v.type = 'PLAIN';
    const atNextItem = next >= 0 && this.ind[next] === col;
    // Tokens of the separator as [end offset, kind]: 0 newline, 1 comment, 2 space.
    const ends: number[] = [];
    const kinds: number[] = [];
    const push = (end: number, k: number) => {
      ends.push(end);
      kinds.push(k);
    };
    if (vp < e) push(e, 1);
    if (e < this.n) push(e + 1, 0);
    const stop = next < 0 ? this.kind.length : next;
    for (let k = l + 1; k < stop; k++) {
      const s = this.ls[k]!;
      const le = this.le[k]!;
      if (this.kind[k] === 1) {
        if (this.ind[k]! > 0) push(s + this.ind[k]!, 2);
        push(le, this.ind[k]! > col ? 3 : 1);
      } else if (le > s) push(le, 2);
      if (le < this.n) push(le + 1, 0);
    }
    if (next >= 0 && this.ind[next]! > 0) push(this.ls[next]! + this.ind[next]!, 2);
    let keep = ends.length;
    if (atNextItem) {
      let nls: number[] = [];
      for (let i = 0; i < kinds.length; i++) {
        const k = kinds[i]!;
        if (k === 0) nls.push(i);
        else if (k === 3) nls = [];
      }
      if (nls.length >= 2) keep = nls[1]!;
    }
    let comment = false;
    for (let i = 0; i < keep; i++) if (kinds[i] === 1 || kinds[i] === 3) comment = true;
    const end = comment && keep > 0 ? ends[keep - 1]! : vp;
    v.range = [vp, vp, end];
    return v;
  }

  private key(p: number, colon: number): Scalar {
    const t = this.t;
    const c = t.charCodeAt(p);
    let k: Scalar;
    if (c === DQ || c === SQ) {
      const q = this.quotedEnd(p, colon);
      k = this.quoted(p, q);
      k.range = [p, q, q];
    } else {
      let e = colon;
      while (e > p && t.charCodeAt(e - 1) === SP) e--;
      if (e === p) throw BAIL;
      const src = t.slice(p, e);
      if (!plainStartOk(src, 0)) throw BAIL;
      k = resolvePlain(src);
      k.range = [p, e, e];
    }
    return k;
  }

  /**
   * A value that starts on the current line at `p` (line end `e`): a scalar, a block scalar, or a
   * small flow collection. `col` is the indentation of the collection that holds it. Leaves
   * `this.li` on the line after it.
   */
  private inlineValue(p: number, e: number, col: number): Node {
    const t = this.t;
    const l = this.li;
    const c = t.charCodeAt(p);
    if (c === 124 /* | */ || c === 62 /* > */) return this.blockScalar(p, e, col);
    let node: Node;
    let end: number;
    if (c === DQ || c === SQ) {
      end = this.quotedEnd(p, e);
      if (end < 0) throw BAIL;
      const s = this.quoted(p, end);
      s.range = [p, end, this.after(l)];
      node = s;
    } else if (c === 91 /* [ */) {
      const r = this.flowSeq(p, e);
      end = r.range![1];
      r.range = [p, end, this.after(l)];
      node = r;
    } else if (c === 123 /* { */) {
      let i = p + 1;
      while (i < e && t.charCodeAt(i) === SP) i++;
      if (t.charCodeAt(i) !== 125 /* } */) throw BAIL;
      end = i + 1;
      const m = this.newMap();
      m.flow = true;
      m.range = [p, end, this.after(l)];
      node = m;
    } else {
      // Plain: to the line end or a comment.
      end = e;
      for (let i = p; i < e; i++) {
        const d = t.charCodeAt(i);
        if (d === HASH && t.charCodeAt(i - 1) === SP) {
          end = i;
          break;
        }
        if (d === COLON && (i + 1 === e || t.charCodeAt(i + 1) === SP)) throw BAIL;
      }
      while (end > p && t.charCodeAt(end - 1) === SP) end--;
      const src = t.slice(p, end);
      if (!plainStartOk(src, 0)) throw BAIL;
      const s = resolvePlain(src);
      s.range = [p, end, this.after(l)];
      node = s;
      end = e; // the rest is a comment or spaces
    }
    // After a quoted or flow value: only spaces and a comment.
    for (let i = end; i < e; i++) {
      const d = t.charCodeAt(i);
      if (d === HASH && i > end && t.charCodeAt(i - 1) === SP) break;
      if (d !== SP) throw BAIL;
    }
    // A more indented line below would continue a multi-line scalar (or be an error).
    const nl = this.nextContent(l + 1);
    if (nl >= 0 && this.ind[nl]! > col) throw BAIL;
    this.li = l + 1;
    return node;
  }

  /** A one-line quoted scalar from `p` to `q` (just past the closing quote). */
  private quoted(p: number, q: number): Scalar {
    const t = this.t;
    const inner = t.slice(p + 1, q - 1);
    let v: string;
    let type: 'QUOTE_SINGLE' | 'QUOTE_DOUBLE';
    if (t.charCodeAt(p) === SQ) {
      v = inner.includes("'") ? inner.replace(/''/g, "'") : inner;
      type = 'QUOTE_SINGLE';
    } else {
      v = inner.includes('\\') ? unescapeDouble(inner) : inner;
      type = 'QUOTE_DOUBLE';
    }
    const s = scalar(v);
    s.source = v;
    s.type = type;
    return s;
  }

  /** `[a, "b", 'c']` on one line, scalars only. */
  private flowSeq(p: number, e: number): YAMLSeq {
    const t = this.t;
    const s = this.newSeq();
    s.flow = true;
    let i = p + 1;
    const skip = () => {
      while (i < e && t.charCodeAt(i) === SP) i++;
    };
    skip();
    if (t.charCodeAt(i) === 93 /* ] */) {
      s.range = [p, i + 1, i + 1];
      return s;
    }
    for (;;) {
      skip();
      if (i >= e) throw BAIL;
      const c = t.charCodeAt(i);
      let item: Scalar;
      if (c === DQ || c === SQ) {
        const q = this.quotedEnd(i, e);
        if (q < 0) throw BAIL;
        item = this.quoted(i, q);
        const start = i;
        i = q;
        const valueEnd = i;
        skip();
        item.range = [start, valueEnd, i];
      } else {
        const start = i;
        while (i < e) {
          const d = t.charCodeAt(i);
          if (d === 44 /* , */ || d === 93 /* ] */) break;
          if (d === 91 || d === 123 || d === 125 || d === HASH || d === COLON || d === 63 /* ? */) throw BAIL;
          i++;
        }
        let ve = i;
        while (ve > start && t.charCodeAt(ve - 1) === SP) ve--;
        if (ve === start) throw BAIL;
        const src = t.slice(start, ve);
        if (!plainStartOk(src, 0)) throw BAIL;
        item = resolvePlain(src);
        item.range = [start, ve, i];
      }
      s.items.push(item);
      if (i >= e) throw BAIL;
      const d = t.charCodeAt(i);
      if (d === 93) {
        s.range = [p, i + 1, i + 1];
        return s;
      }
      if (d !== 44) throw BAIL;
      i++;
      skip();
      if (t.charCodeAt(i) === 93) throw BAIL; // a trailing comma
    }
  }

  /** `|` / `>` (with `-` or `+`), its content the lines below more indented than `col`. */
  private blockScalar(p: number, e: number, col: number): Scalar {
    const t = this.t;
    const l = this.li;
    const folded = t.charCodeAt(p) === 62;
    let i = p + 1;
    let chomp = 0; // 0 clip, -1 strip, 1 keep
    const h = t.charCodeAt(i);
    if (h === DASH) {
      chomp = -1;
      i++;
    } else if (h === 43 /* + */) {
      chomp = 1;
      i++;
    }
    if (i < e) {
      if (t.charCodeAt(i) !== SP) throw BAIL;
      while (i < e && t.charCodeAt(i) === SP) i++;
      if (i < e && t.charCodeAt(i) !== HASH) throw BAIL;
    }
    // Content: the first non-blank line sets the indentation.
    const kinds = this.kind;
    let first = l + 1;
    while (first < kinds.length && kinds[first] === 0) first++;
    if (first >= kinds.length || this.ind[first]! <= col) throw BAIL; // empty block scalar
    const ci = this.ind[first]!;
    for (let b = l + 1; b < first; b++) if (this.le[b]! - this.ls[b]! > ci) throw BAIL;
    let last = first; // last non-blank content line
    let j = first + 1;
    for (; j < kinds.length; j++) {
      if (kinds[j] === 0) {
        if (this.le[j]! - this.ls[j]! > ci) throw BAIL;
        continue;
      }
      if (this.ind[j]! < ci) break;
      last = j;
    }
    // The line that ends it must belong to an outer node.
    if (j < kinds.length && this.ind[j]! > col) throw BAIL;
    // A tab right after the content indentation is content; a tab before it was caught above.
    const lines: string[] = [];
    let moreIndented = false;
    for (let k = l + 1; k <= last; k++) {
      if (kinds[k] === 0) lines.push('');
      else {
        if (this.ind[k]! > ci) moreIndented = true;
        else if (t.charCodeAt(this.ls[k]! + ci) === 9) moreIndented = true;
        lines.push(t.slice(this.ls[k]! + ci, this.le[k]));
      }
    }
    if (folded && moreIndented) throw BAIL;
    let value: string;
    if (!folded) value = lines.join('\n');
    else {
      value = '';
      let blanks = 0;
      for (let k = 0; k < lines.length; k++) {
        const line = lines[k]!;
        if (line === '') {
          blanks++;
          continue;
        }
        if (k > 0) value += blanks ? '\n'.repeat(blanks) : ' ';
        blanks = 0;
        value += line;
      }
    }
    // Clip ends the value with one newline (even at the end of the text), keep with every
    // trailing line break, strip with none. Only keep's range covers the blank lines after it.
    const hasNl = this.le[last]! < this.n;
    let end = this.after(last);
    if (chomp === 1) {
      if (!hasNl) throw BAIL;
      value += '\n';
      for (let k = last + 1; k < j; k++) if (this.le[k]! < this.n) value += '\n';
      end = j < kinds.length ? this.ls[j]! : this.n;
    } else if (chomp === 0) value += '\n';
    const s = scalar(value);
    s.range = [p, end, end];
    s.source = value;
    s.type = folded ? 'BLOCK_FOLDED' : 'BLOCK_LITERAL';
    this.blockEnd = chomp === 1 ? j : last + 1;
    this.li = j;
    return s;
  }

  /** Set by `blockScalar`: the first line after its token (trailing blank lines are not its own unless kept). */
  private blockEnd = 0;
}

function isCollectionNode(n: Node): boolean {
  return isMap(n) || isSeq(n);
}

/** A plain scalar may not start with an indicator (`- `, `? ` and `: ` aside, which are caught before). */
function plainStartOk(src: string, i: number): boolean {
  const c = src.charCodeAt(i);
  switch (c) {
    case 44: // ,
    case 91: // [
    case 93: // ]
    case 123: // {
    case 125: // }
    case HASH:
    case 38: // &
    case 42: // *
    case 33: // !
    case 124: // |
    case 62: // >
    case DQ:
    case SQ:
    case 37: // %
    case 64: // @
    case 96: // `
      return false;
    case DASH:
    case 63: // ?
    case COLON: {
      const d = src.charCodeAt(i + 1);
      return !(d !== d /* NaN: end */ || d === SP);
    }
    default:
      return true;
  }
}

const INT = /^[-+]?[0-9]+$/;
const OCT = /^0o[0-7]+$/;
const HEX = /^0x[0-9a-fA-F]+$/;
const NAN_INF = /^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/;
const EXP = /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$/;
const FLOAT = /^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)$/;

/** The YAML 1.2 core schema's reading of a plain scalar, as `yaml` makes it. */
function resolvePlain(src: string): Scalar {
  const c = src.charCodeAt(0);
  let s: Scalar;
  // Most plain scalars are words: only these first characters can start anything but a string.
  if (
    (c >= 48 && c <= 57) ||
    c === 43 ||
    c === DASH ||
    c === 46 ||
    c === 126 ||
    c === 110 ||
    c === 78 ||
    c === 116 ||
    c === 84 ||
    c === 102 ||
    c === 70
  )
    s = resolveSpecial(src) ?? scalar(src);
  else s = scalar(src);
  s.source = src;
  s.type = 'PLAIN';
  return s;
}

function resolveSpecial(src: string): Scalar | undefined {
  switch (src) {
    case '~':
    case 'null':
    case 'Null':
    case 'NULL':
      return scalar(null);
    case 'true':
    case 'True':
    case 'TRUE':
      return scalar(true);
    case 'false':
    case 'False':
    case 'FALSE':
      return scalar(false);
  }
  if (OCT.test(src)) {
    const s = scalar(parseInt(src.substring(2), 8));
    s.format = 'OCT';
    return s;
  }
  if (INT.test(src)) return scalar(parseInt(src, 10));
  if (HEX.test(src)) {
    const s = scalar(parseInt(src.substring(2), 16));
    s.format = 'HEX';
    return s;
  }
  if (NAN_INF.test(src))
    return scalar(
      src.slice(-3).toLowerCase() === 'nan'
        ? NaN
        : src[0] === '-'
          ? Number.NEGATIVE_INFINITY
          : Number.POSITIVE_INFINITY,
    );
  if (EXP.test(src)) {
    const s = scalar(parseFloat(src));
    s.format = 'EXP';
    return s;
  }
  if (FLOAT.test(src)) {
    const s = scalar(parseFloat(src));
    const dot = src.indexOf('.');
    if (dot !== -1 && src[src.length - 1] === '0') s.minFractionDigits = src.length - dot - 1;
    return s;
  }
  return undefined;
}

const ESCAPES: Record<string, string> = {
  '0': '\0',
  a: '\x07',
  b: '\b',
  e: '\x1b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
  ' ': ' ',
  '"': '"',
  '/': '/',
  '\\': '\\',
  '\t': '\t',
  N: '\u0085',
  _: '\u00a0',
  L: '\u2028',
  P: '\u2029',
};

function unescapeDouble(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c !== '\\') {
      out += c;
      continue;
    }
    const d = s[++i];
    if (d === undefined) throw BAIL;
    const simple = ESCAPES[d];
    if (simple !== undefined) {
      out += simple;
      continue;
    }
    const len = d === 'x' ? 2 : d === 'u' ? 4 : d === 'U' ? 8 : 0;
    const hex = s.slice(i + 1, i + 1 + len);
    if (!len || !/^[0-9a-fA-F]+$/.test(hex) || hex.length !== len) throw BAIL;
    out += String.fromCodePoint(parseInt(hex, 16));
    i += len;
  }
  return out;
}

/**
 * Whether `fastParse` tries at all. Off, every caller takes `yaml`'s path: the differential test
 * compares the engine's results both ways, the benchmark measures what the fast path buys, and
 * `PODVISOR_YAML_FAST=0` gives a user the reference parser should the two ever disagree.
 */
let enabled = process.env.PODVISOR_YAML_FAST !== '0';

export function setFastYaml(on: boolean): void {
  enabled = on;
}

/** The schema of each options object seen (the fast path gives its documents the same options). */
const SCHEMAS = new WeakMap<object, Protos>();

/**
 * The document `parseDocument(text, options)` would give, when the text is in the fast subset;
 * undefined otherwise (then use `parseDocument`).
 */
export function fastParse(text: string, options: Options): YDocument.Parsed | undefined {
  if (!enabled) return undefined;
  const key: object = options;
  let protos = SCHEMAS.get(key);
  if (!protos) {
    protos = protosFor(new Document(undefined, options).schema);
    SCHEMAS.set(key, protos);
  }
  try {
    return new FastParser(text, protos, options).parse();
  } catch (e) {
    if (e === BAIL) return undefined;
    throw e;
  }
}
