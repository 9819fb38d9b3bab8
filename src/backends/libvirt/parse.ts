import { fail, ok, type Errorable } from '../../common/errors';
import type { Domain, DomainEvent, DomainState, Snapshot } from './types';

/** virDomainState numbers as `domstats --state` prints them. */
const STATES: Record<string, DomainState> = {
  '0': 'unknown',
  '1': 'running',
  '2': 'running',
  '3': 'paused',
  '4': 'shutdown',
  '5': 'shutoff',
  '6': 'crashed',
  '7': 'pmsuspended',
};

function int(v: string | undefined): number | undefined {
  if (v === undefined || !/^\d+$/.test(v)) return undefined;
  const n = Number(v);
  return Number.isSafeInteger(n) ? n : undefined;
}

/**
 * `virsh domstats --raw --state --vcpu --balloon` output: blocks starting with `Domain: 'NAME'`
 * followed by indented `key=value` lines. Anything else is rejected, so a changed format shows
 * as an error instead of a wrong tree.
 */
export function parseDomstats(uri: string, text: string): Errorable<Domain[]> {
  const out: Domain[] = [];
  let cur: { name: string; kv: Map<string, string> } | undefined;
  const flush = () => {
    if (!cur) return;
    const kv = cur.kv;
    out.push({
      uri,
      name: cur.name,
      state: STATES[kv.get('state.state') ?? ''] ?? 'unknown',
      vcpus: int(kv.get('vcpu.current')),
      memoryKiB: int(kv.get('balloon.current')),
      maxMemoryKiB: int(kv.get('balloon.maximum')),
    });
  };
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\r$/, '');
    if (!line.trim()) continue;
    const head = /^Domain: '(.*)'$/.exec(line);
    if (head) {
      flush();
      cur = { name: head[1]!, kv: new Map() };
      continue;
    }
    const kv = /^\s+([A-Za-z0-9_.-]+)=(.*)$/.exec(line);
    if (!kv || !cur)
      return fail(`unexpected line in virsh domstats output: ${JSON.stringify(line.slice(0, 120))}`);
    cur.kv.set(kv[1]!, kv[2]!);
  }
  flush();
  return ok(out);
}

/** `virsh snapshot-list DOMAIN` (table: Name, Creation Time, State) plus the current snapshot's name. */
export function parseSnapshotList(text: string, current: string | undefined): Errorable<Snapshot[]> {
  const lines = text.split('\n').map((l) => l.replace(/\r$/, ''));
  const header = lines.findIndex((l) => /^\s*Name\s+Creation Time\s+State\s*$/.test(l));
  if (header < 0)
    return text.trim() === ''
      ? ok([])
      : fail(`unexpected virsh snapshot-list output: ${JSON.stringify(text.slice(0, 120))}`);
  const out: Snapshot[] = [];
  for (const l of lines.slice(header + 1)) {
    if (!l.trim() || /^-+$/.test(l.trim())) continue;
    // The creation time has spaces but a fixed shape: `YYYY-MM-DD HH:MM:SS +ZZZZ`.
    const m = /^\s*(.+?)\s+(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d{4})\s+(\S.*?)\s*$/.exec(l);
    if (!m) return fail(`unexpected line in virsh snapshot-list output: ${JSON.stringify(l.slice(0, 120))}`);
    out.push({ name: m[1]!, created: m[2]!, state: m[3]!, current: m[1] === current });
  }
  return ok(out);
}

/**
 * One line of `virsh event --all --loop [--timestamp]`, e.g.
 * `event 'lifecycle' for domain 'vm1': Started Booted`. Lines about other objects (or none)
 * give undefined.
 */
export function parseEventLine(line: string): DomainEvent | undefined {
  const m = /^(?:\S+ \S+: )?event '([^']+)' for domain '(.*?)'(?:: (.*))?$/.exec(line.replace(/\r$/, ''));
  if (!m) return undefined;
  return { kind: m[1]!, domain: m[2]!, detail: (m[3] ?? '').trim() };
}
