/** forwardPorts / appPort entries and portsAttributes. */
import { UserError } from '../../common/errors';
import type { PortAttributes, PortForward } from '../types';
import { obj } from './read';

/** A port of another Compose service (`"db:5432"`), forwarded from that service. */
export interface ServicePort {
  readonly service: string;
  readonly port: number;
}

export function isPort(n: unknown): n is number {
  return typeof n === 'number' && Number.isInteger(n) && n > 0 && n < 65536;
}

export function parsePort(p: unknown, key: string): PortForward | ServicePort {
  if (isPort(p)) return { container: p, host: 0, protocol: 'tcp' };
  if (typeof p === 'string') {
    const m = /^(?:(\d+):)?(\d+)(?:\/(tcp|udp))?$/.exec(p.trim());
    if (m) {
      const container = Number(m[2]);
      const host = m[1] ? Number(m[1]) : 0;
      if (isPort(container) && (host === 0 || isPort(host)))
        return { container, host, protocol: (m[3] as 'tcp' | 'udp' | undefined) ?? 'tcp' };
      throw new UserError(`${key}: "${p}" has a port out of range (1-65535)`);
    }
    const s = /^([a-zA-Z0-9][a-zA-Z0-9_.-]*):(\d+)$/.exec(p.trim());
    if (s?.[1] && s[2]) {
      const port = Number(s[2]);
      if (!isPort(port)) throw new UserError(`${key}: "${p}" has a port out of range (1-65535)`);
      return { service: s[1], port };
    }
  }
  if (typeof p === 'number') throw new UserError(`${key}: ${p} is out of range (1-65535)`);
  throw new UserError(`${key}: ${JSON.stringify(p)} is not a port`);
}

const AUTO_FORWARD = ['notify', 'openBrowser', 'openBrowserOnce', 'openPreview', 'silent', 'ignore'] as const;

export function portAttributes(v: unknown, where: string, notes: string[]): PortAttributes {
  const o = obj(v, where);
  const out: { -readonly [K in keyof PortAttributes]: PortAttributes[K] } = {};
  for (const [k, x] of Object.entries(o)) {
    if (k === 'label' && typeof x === 'string') out.label = x;
    else if (k === 'onAutoForward' && (AUTO_FORWARD as readonly unknown[]).includes(x))
      out.onAutoForward = x as PortAttributes['onAutoForward'];
    else if (k === 'protocol' && (x === 'http' || x === 'https')) out.protocol = x;
    else if (k === 'requireLocalPort' && typeof x === 'boolean') out.requireLocalPort = x;
    else if (k === 'elevateIfNeeded') notes.push(`${where}.elevateIfNeeded: ports are never elevated`);
    else throw new UserError(`${where}.${k}: ${JSON.stringify(x)} is not a valid value`);
  }
  return out;
}

/** portsAttributes keys: a port, a range `3000-3010`, or a pattern; kept as written, checked for range. */
export function checkPortKey(k: string, where: string): void {
  const range = /^(\d+)(?:-(\d+))?$/.exec(k);
  if (range) {
    const a = Number(range[1]);
    const b = range[2] ? Number(range[2]) : a;
    if (!isPort(a) || !isPort(b) || b < a)
      throw new UserError(`${where}: "${k}" is not a port or port range`);
  }
}

/** The attributes that apply to a port (exact key, then a range that holds it, then the others). */
export function attributesFor(
  port: number,
  byKey: Readonly<Record<string, PortAttributes>> | undefined,
  other: PortAttributes | undefined,
): PortAttributes | undefined {
  if (!byKey) return other;
  if (byKey[String(port)]) return byKey[String(port)];
  for (const [k, a] of Object.entries(byKey)) {
    const m = /^(\d+)-(\d+)$/.exec(k);
    if (m && port >= Number(m[1]) && port <= Number(m[2])) return a;
  }
  return other;
}
