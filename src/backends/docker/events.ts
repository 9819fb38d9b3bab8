/**
 * The engine's /events stream as parsed events. The stream is newline-delimited JSON that may
 * split anywhere across chunks; malformed lines are dropped (and counted), never thrown.
 */
import type { Readable } from 'stream';

export interface EngineEvent {
  readonly type: string; // container | image | network | volume …
  readonly action: string; // start, die, destroy, pull, tag, exec_start: bash …
  readonly id: string;
  readonly attributes: Readonly<Record<string, string>>;
  /** When our process received it (performance.now()). */
  readonly receivedAt: number;
}

export function parseEventLine(line: string, receivedAt: number): EngineEvent | undefined {
  let x: unknown;
  try {
    x = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof x !== 'object' || x === null) return undefined;
  const o = x as {
    Type?: unknown;
    Action?: unknown;
    status?: unknown;
    id?: unknown;
    Actor?: { ID?: unknown; Attributes?: unknown };
  };
  const type = typeof o.Type === 'string' ? o.Type : '';
  const action = typeof o.Action === 'string' ? o.Action : typeof o.status === 'string' ? o.status : '';
  const id = typeof o.Actor?.ID === 'string' ? o.Actor.ID : typeof o.id === 'string' ? o.id : '';
  if (!type || !action) return undefined;
  const attributes: Record<string, string> = {};
  const a = o.Actor?.Attributes;
  if (typeof a === 'object' && a !== null)
    for (const [k, v] of Object.entries(a)) if (typeof v === 'string') attributes[k] = v;
  return { type, action, id, attributes, receivedAt };
}

/** Feeds `onEvent` from a raw events stream; returns a function that reports the dropped-line count. */
export function readEvents(stream: Readable, onEvent: (e: EngineEvent) => void): () => number {
  let buf = '';
  let dropped = 0;
  stream.setEncoding?.('utf8');
  stream.on('data', (chunk: string | Buffer) => {
    const now = performance.now();
    buf += typeof chunk === 'string' ? chunk : chunk.toString('utf8');
    let i: number;
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i).trim();
      buf = buf.slice(i + 1);
      if (!line) continue;
      const e = parseEventLine(line, now);
      if (e) onEvent(e);
      else dropped++;
    }
  });
  return () => dropped;
}

/** Container actions that do not change what the tree shows. */
const QUIET = /^(exec_|attach$|resize$|top$|archive-path$|extract-to-dir$|copy$|export$|commit$|detach$)/;
export function changesContainer(e: EngineEvent): boolean {
  return e.type === 'container' && !!e.id && !QUIET.test(e.action);
}
