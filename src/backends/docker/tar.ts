/**
 * Just enough tar for the Engine API archive endpoints: a streaming reader of headers (ustar, GNU
 * long names, pax path/size/linkpath) that hands each entry's body to the caller or skips it, and
 * a writer of single entries (a file or a directory) with the owner and mode given.
 */
import type { Readable } from 'stream';
import { textOf } from '../../common/text';

export type EntryType = 'file' | 'directory' | 'symlink' | 'link' | 'other';

export interface TarEntry {
  readonly name: string;
  readonly type: EntryType;
  readonly size: number;
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  /** Unix seconds. */
  readonly mtime: number;
  readonly linkname: string;
}

const BLOCK = 512;

function str(b: Buffer, off: number, len: number): string {
  const s = b.subarray(off, off + len);
  const z = s.indexOf(0);
  return (z >= 0 ? s.subarray(0, z) : s).toString('utf8');
}

function octal(b: Buffer, off: number, len: number): number {
  // GNU base-256 for large values: the high bit of the first byte set.
  if ((b[off] ?? 0) & 0x80) {
    let v = 0;
    for (let i = off + 1; i < off + len; i++) v = v * 256 + (b[i] ?? 0);
    return v;
  }
  const t = str(b, off, len).trim();
  return t ? parseInt(t, 8) : 0;
}

function typeOf(flag: string): EntryType {
  if (flag === '0' || flag === '\0' || flag === '7') return 'file';
  if (flag === '5') return 'directory';
  if (flag === '2') return 'symlink';
  if (flag === '1') return 'link';
  return 'other';
}

/** `"30 path=a/b\n"` records of a pax header. */
function parsePax(buf: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  let off = 0;
  while (off < buf.length) {
    const sp = buf.indexOf(0x20, off);
    if (sp < 0) break;
    const len = Number(buf.subarray(off, sp).toString('ascii'));
    if (!len) break;
    const rec = buf.subarray(sp + 1, off + len - 1).toString('utf8');
    const eq = rec.indexOf('=');
    if (eq > 0) out[rec.slice(0, eq)] = rec.slice(eq + 1);
    off += len;
  }
  return out;
}

/**
 * Reads `stream` as tar. `onEntry` returns 'body' to receive the entry's data (as one Buffer, for
 * files the caller asked for), 'skip' to discard it, or 'stop' to end reading (the stream is
 * destroyed). Resolves when the archive ended or was stopped.
 */
export function readTar(
  stream: Readable,
  onEntry: (e: TarEntry) => 'body' | 'skip' | 'stop',
  onBody: (e: TarEntry, body: Buffer) => void = () => undefined,
): Promise<void> {
  return new Promise((resolve, reject) => {
    let buf: Buffer = Buffer.alloc(0);
    let cur:
      { entry: TarEntry; remaining: number; padded: number; want: boolean; chunks: Buffer[] } | undefined;
    let meta:
      | { kind: 'longname' | 'longlink' | 'pax'; remaining: number; padded: number; chunks: Buffer[] }
      | undefined;
    let longName: string | undefined;
    let longLink: string | undefined;
    let pax: Record<string, string> = {};
    let done = false;
    const finish = (err?: unknown) => {
      if (done) return;
      done = true;
      if (err) reject(err instanceof Error ? err : new Error(textOf(err)));
      else resolve();
    };
    const stop = () => {
      finish();
      stream.destroy();
    };
    stream.on('data', (chunk: Buffer) => {
      if (done) return;
      buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
      try {
        while (!done) {
          if (meta) {
            const take = Math.min(meta.padded, buf.length);
            const data = buf.subarray(0, Math.min(take, meta.remaining));
            if (data.length) meta.chunks.push(data);
            meta.remaining -= data.length;
            meta.padded -= take;
            buf = buf.subarray(take);
            if (meta.padded > 0) return;
            const body = Buffer.concat(meta.chunks);
            if (meta.kind === 'pax') pax = { ...pax, ...parsePax(body) };
            else if (meta.kind === 'longname') longName = str(body, 0, body.length);
            else longLink = str(body, 0, body.length);
            meta = undefined;
            continue;
          }
          if (cur) {
            const take = Math.min(cur.padded, buf.length);
            const data = buf.subarray(0, Math.min(take, cur.remaining));
            if (cur.want && data.length) cur.chunks.push(Buffer.from(data));
            cur.remaining -= data.length;
            cur.padded -= take;
            buf = buf.subarray(take);
            if (cur.padded > 0) return;
            if (cur.want) onBody(cur.entry, Buffer.concat(cur.chunks));
            cur = undefined;
            continue;
          }
          if (buf.length < BLOCK) return;
          const h = buf.subarray(0, BLOCK);
          buf = buf.subarray(BLOCK);
          if (h.every((b) => b === 0)) {
            // End of archive (two zero blocks): nothing more of interest.
            stop();
            return;
          }
          const flag = String.fromCharCode(h[156] || 0x30);
          const size = octal(h, 124, 12);
          const padded = Math.ceil(size / BLOCK) * BLOCK;
          if (flag === 'L' || flag === 'K' || flag === 'x' || flag === 'g') {
            meta = {
              kind: flag === 'L' ? 'longname' : flag === 'K' ? 'longlink' : 'pax',
              remaining: size,
              padded,
              chunks: [],
            };
            if (flag === 'g') meta = { ...meta, kind: 'pax' };
            continue;
          }
          const prefix = str(h, 345, 155);
          const base = str(h, 0, 100);
          const entry: TarEntry = {
            name: pax.path ?? longName ?? (prefix ? `${prefix}/${base}` : base),
            type: typeOf(flag),
            size: pax.size ? Number(pax.size) : size,
            mode: octal(h, 100, 8),
            uid: pax.uid ? Number(pax.uid) : octal(h, 108, 8),
            gid: pax.gid ? Number(pax.gid) : octal(h, 116, 8),
            mtime: pax.mtime ? Math.floor(Number(pax.mtime)) : octal(h, 136, 12),
            linkname: pax.linkpath ?? longLink ?? str(h, 157, 100),
          };
          longName = longLink = undefined;
          pax = {};
          const realSize = entry.size;
          const what = onEntry(entry);
          if (what === 'stop') {
            stop();
            return;
          }
          cur = {
            entry,
            remaining: realSize,
            padded: Math.ceil(realSize / BLOCK) * BLOCK,
            want: what === 'body',
            chunks: [],
          };
        }
      } catch (e) {
        finish(e);
        stream.destroy();
      }
    });
    stream.on('end', () => finish());
    stream.on('close', () => finish());
    stream.on('error', (e) => finish(e));
  });
}

function field(h: Buffer, off: number, len: number, value: number): void {
  h.write(value.toString(8).padStart(len - 1, '0'), off, len - 1, 'ascii');
  h[off + len - 1] = 0;
}

function header(
  name: string,
  type: '0' | '5' | 'x',
  size: number,
  mode: number,
  uid: number,
  gid: number,
  mtime: number,
): Buffer {
  const h = Buffer.alloc(BLOCK);
  h.write(name.slice(0, 100), 0, 100, 'utf8');
  field(h, 100, 8, mode & 0o7777);
  field(h, 108, 8, uid);
  field(h, 116, 8, gid);
  field(h, 124, 12, size);
  field(h, 136, 12, Math.floor(mtime));
  h.write(type, 156, 1, 'ascii');
  h.write('ustar\u000000', 257, 8, 'ascii');
  h.fill(0x20, 148, 156);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(sum.toString(8).padStart(6, '0'), 148, 6, 'ascii');
  h[154] = 0;
  h[155] = 0x20;
  return h;
}

function pad(n: number): Buffer {
  return Buffer.alloc((BLOCK - (n % BLOCK)) % BLOCK);
}

/** A pax header carrying a long or non-ASCII path. */
function paxFor(name: string): Buffer[] {
  if (Buffer.byteLength(name) < 100 && /^[\x20-\x7e]*$/.test(name)) return [];
  const rec = (k: string, v: string) => {
    const body = ` ${k}=${v}\n`;
    const n = Buffer.byteLength(body);
    // The length counts its own digits.
    let len = n + 1;
    while (len !== n + String(len).length) len = n + String(len).length;
    return `${len}${body}`;
  };
  const data = Buffer.from(rec('path', name), 'utf8');
  return [header('PaxHeader', 'x', data.length, 0o644, 0, 0, 0), data, pad(data.length)];
}

export interface WriteEntry {
  readonly name: string;
  readonly type: 'file' | 'directory';
  readonly data?: Buffer;
  readonly mode?: number;
  readonly uid?: number;
  readonly gid?: number;
  /** Unix seconds; now by default. */
  readonly mtime?: number;
}

/** A complete tar of the given entries (for PUT /containers/{id}/archive). */
export function writeTar(entries: readonly WriteEntry[]): Buffer {
  const parts: Buffer[] = [];
  const now = Date.now() / 1000;
  for (const e of entries) {
    const data = e.type === 'file' ? (e.data ?? Buffer.alloc(0)) : Buffer.alloc(0);
    const name = e.type === 'directory' && !e.name.endsWith('/') ? `${e.name}/` : e.name;
    parts.push(...paxFor(name));
    parts.push(
      header(
        name,
        e.type === 'file' ? '0' : '5',
        data.length,
        e.mode ?? (e.type === 'file' ? 0o644 : 0o755),
        e.uid ?? 0,
        e.gid ?? 0,
        e.mtime ?? now,
      ),
    );
    if (data.length) parts.push(data, pad(data.length));
  }
  parts.push(Buffer.alloc(BLOCK * 2));
  return Buffer.concat(parts);
}
