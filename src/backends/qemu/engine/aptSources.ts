/**
 * The Debian mirror the host's apt already uses, so the engine image is built from the same
 * place (a machine that reaches only its own mirror still builds it): the `deb` entries of
 * /etc/apt/sources.list and sources.list.d (one-line and deb822 `.sources` files) whose suite is
 * the host's release or one of its -updates/-security suites, reduced to the `main` component.
 */
import * as fs from 'fs';
import * as path from 'path';
import { UserError } from '../../../common/errors';

export interface DebianSources {
  readonly suite: string;
  /** One-line `deb URI SUITE main` entries, as mmdebstrap takes them. */
  readonly lines: readonly string[];
}

interface Entry {
  readonly types: readonly string[];
  readonly uris: readonly string[];
  readonly suites: readonly string[];
  readonly components: readonly string[];
}

/** `deb [opts] URI SUITE COMPONENT…` lines. */
export function parseOneLine(text: string): Entry[] {
  const out: Entry[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.replace(/#.*/, '').trim();
    if (!line) continue;
    const m = /^(deb|deb-src)\s+(?:\[[^\]]*\]\s+)?(\S+)\s+(\S+)\s*(.*)$/.exec(line);
    if (!m) continue;
    out.push({
      types: [m[1]!],
      uris: [m[2]!],
      suites: [m[3]!],
      components: (m[4] ?? '').split(/\s+/).filter(Boolean),
    });
  }
  return out;
}

/** deb822 stanzas (`Types:`, `URIs:`, `Suites:`, `Components:`), blank-line separated. */
export function parseDeb822(text: string): Entry[] {
  const out: Entry[] = [];
  for (const stanza of text.split(/\n\s*\n/)) {
    const f: Record<string, string> = {};
    let last = '';
    for (const raw of stanza.split('\n')) {
      if (raw.startsWith('#')) continue;
      if (/^\s/.test(raw) && last) {
        f[last] = `${f[last] ?? ''} ${raw.trim()}`;
        continue;
      }
      const m = /^([A-Za-z-]+):\s*(.*)$/.exec(raw);
      if (m) f[(last = m[1]!.toLowerCase())] = m[2]!.trim();
    }
    if (f.enabled?.toLowerCase() === 'no') continue;
    const list = (k: string) => (f[k] ?? '').split(/\s+/).filter(Boolean);
    if (!f.types || !f.uris) continue;
    out.push({
      types: list('types'),
      uris: list('uris'),
      suites: list('suites'),
      components: list('components'),
    });
  }
  return out;
}

function releaseCodename(osRelease: string): string | undefined {
  return /^VERSION_CODENAME=["']?([a-z]+)/m.exec(osRelease)?.[1];
}

/** Reads the host's apt configuration (`root` is for tests). */
export function hostDebianSources(root = '/'): DebianSources {
  const read = (p: string) => {
    try {
      return fs.readFileSync(path.join(root, p), 'utf8');
    } catch {
      return '';
    }
  };
  const suite = releaseCodename(read('etc/os-release'));
  if (!suite || !fs.existsSync(path.join(root, 'etc/debian_version')))
    throw new UserError(
      'The engine VM image is built from Debian packages with mmdebstrap, which needs a Debian host (no Debian release in /etc/os-release).',
    );
  const entries = [...parseOneLine(read('etc/apt/sources.list'))];
  const dir = path.join(root, 'etc/apt/sources.list.d');
  const files = fs.existsSync(dir) ? fs.readdirSync(dir).sort() : [];
  for (const f of files) {
    if (f.endsWith('.list')) entries.push(...parseOneLine(read(`etc/apt/sources.list.d/${f}`)));
    else if (f.endsWith('.sources')) entries.push(...parseDeb822(read(`etc/apt/sources.list.d/${f}`)));
  }
  const lines: string[] = [];
  for (const e of entries) {
    if (!e.types.includes('deb') || !e.components.includes('main')) continue;
    for (const uri of e.uris)
      for (const s of e.suites)
        if (
          s === suite ||
          s === `${suite}-updates` ||
          s === `${suite}-security` ||
          s === `${suite}/updates`
        ) {
          const l = `deb ${uri} ${s} main`;
          if (!lines.includes(l)) lines.push(l);
        }
  }
  if (!lines.some((l) => l.split(' ')[2] === suite))
    throw new UserError(
      `No apt source for Debian ${suite} (main) in /etc/apt/sources.list*: the engine VM image is built from the mirror apt uses.`,
    );
  return { suite, lines };
}
