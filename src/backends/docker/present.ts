/**
 * What the tree shows for a container or image, computed without vscode: label, description,
 * icon, contextValue and a Markdown tooltip. The tree adapter only copies these into TreeItems,
 * which keeps the mapping measurable (bench) and testable (unit) in Node.
 */
import type { Isolation } from '../types';
import { escapeMarkdown as escapeMd, markdownCode as mdCode } from '../../common/markdown';
import type { ContainerInfo, ImageInfo, PortMapping } from './model';

export type GroupBy = 'composeProject' | 'state' | 'runtime' | 'none';
export type SortBy = 'name' | 'created' | 'state' | 'image';

export interface ItemView {
  readonly id: string;
  readonly label: string;
  readonly description: string;
  /** A codicon id and an optional theme color id. */
  readonly icon: string;
  readonly color?: string;
  readonly contextValue: string;
  readonly tooltip: string;
}

function humanDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  const m = Math.round(s / 60);
  if (m < 60) return `${m} min`;
  const h = Math.round(m / 60);
  if (h < 48) return `${h} h`;
  const d = Math.round(h / 24);
  if (d < 60) return `${d} days`;
  const mo = Math.round(d / 30);
  return mo < 24 ? `${mo} months` : `${Math.round(d / 365)} years`;
}

export function humanSize(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let v = bytes;
  let i = -1;
  do {
    v /= 1000;
    i++;
  } while (v >= 1000 && i < units.length - 1);
  return `${v < 10 ? v.toFixed(1) : Math.round(v)} ${units[i]}`;
}

const ISOLATION_BADGE: Record<Isolation, string> = {
  container: 'container',
  gvisor: 'gVisor sandbox',
  vm: 'Kata VM',
  unknown: '',
};

function formatPort(p: PortMapping): string {
  if (p.publicPort === undefined) return `${p.privatePort}/${p.type}`;
  const ip = p.ip && p.ip !== '0.0.0.0' && p.ip !== '::' ? `${p.ip.includes(':') ? `[${p.ip}]` : p.ip}:` : '';
  return `${ip}${p.publicPort}→${p.privatePort}${p.type === 'tcp' ? '' : `/${p.type}`}`;
}

/** "up 5 min", "exited (137) 2 h ago", "created", from timestamps when known, else the engine's text. */
export function statusLine(c: ContainerInfo, now: number): string {
  switch (c.state) {
    case 'running':
    case 'paused': {
      const base = c.startedAt
        ? `up ${humanDuration(now - c.startedAt)}`
        : c.statusText
            .replace(/^Up /, 'up ')
            .replace(/ \((Paused|healthy|unhealthy|health: starting)\)/g, '');
      const health = c.health ? ` (${c.health})` : '';
      return c.state === 'paused' ? `paused, ${base}${health}` : `${base}${health}`;
    }
    case 'stopped':
    case 'dead': {
      const code = c.exitCode !== undefined ? `exited (${c.exitCode})` : 'exited';
      if (c.finishedAt) return `${code} ${humanDuration(now - c.finishedAt)} ago`;
      const ago = /\)\s+(.*)$/.exec(c.statusText)?.[1];
      return ago ? `${code} ${ago}` : code;
    }
    case 'created':
      return 'created';
    default:
      return c.rawState || c.statusText || 'unknown';
  }
}

const UNKNOWN_ICON: [string, string | undefined] = ['question', undefined];
const STATE_ICON: Partial<Record<string, [string, string | undefined]>> = {
  running: ['vm-running', 'testing.iconPassed'],
  paused: ['debug-pause', 'charts.yellow'],
  restarting: ['sync~spin', 'charts.yellow'],
  created: ['circle-outline', undefined],
  stopped: ['vm-outline', 'disabledForeground'],
  removing: ['trash', undefined],
  dead: ['error', 'errorForeground'],
  unknown: UNKNOWN_ICON,
};

/** The isolation badge; a container of an engine VM is "container in VM <name>" (the VM is the boundary). */
export function isolationBadge(c: ContainerInfo, hostVm?: string): string {
  const b = ISOLATION_BADGE[c.isolation];
  if (!hostVm) return b;
  return `${b && c.isolation !== 'container' ? `${b} ` : 'container '}in VM ${hostVm}`;
}

export function containerTooltip(c: ContainerInfo, now: number, hostVm?: string): string {
  // Plain concatenation: this runs for every item the tree maps (2,000 in the benchmark).
  let md = `**${escapeMd(c.name)}** — ${escapeMd(statusLine(c, now))}\n\n- Image: ${mdCode(c.image)}\n- ID: \` ${c.id.slice(0, 12)} \``;
  if (c.command) md += `\n- Command: ${mdCode(c.command)}`;
  md += `\n- Isolation: ${c.runtime ? `${isolationBadge(c, hostVm) || 'unknown'} (runtime ${escapeMd(c.runtime)})` : hostVm ? escapeMd(isolationBadge(c, hostVm)) : 'not yet known'}`;
  if (c.ports.length) md += `\n- Ports: ${escapeMd(c.ports.map(formatPort).join(', '))}`;
  if (c.networks.length) md += `\n- Networks: ${escapeMd(c.networks.join(', '))}`;
  if (c.composeProject)
    md += `\n- Compose: ${escapeMd(c.composeProject)}${c.composeService ? ` / ${escapeMd(c.composeService)}` : ''}`;
  if (c.created) md += `\n- Created: ${humanDuration(now - c.created)} ago`;
  return md;
}

/** `hostVm`: the engine VM the container runs in (its badge says so). */
export function presentContainer(c: ContainerInfo, now: number, hostVm?: string): ItemView {
  const [icon, color] = STATE_ICON[c.state] ?? UNKNOWN_ICON;
  const parts = [c.image, statusLine(c, now)];
  const ports = c.ports.filter((p) => p.publicPort !== undefined).map(formatPort);
  if (ports.length) parts.push(ports.join(', '));
  const badge = isolationBadge(c, hostVm);
  if (badge) parts.push(`[${badge}]`);
  return {
    id: c.id,
    label: c.name,
    description: parts.join(' · '),
    icon,
    color,
    contextValue: `container.${c.state}`,
    tooltip: containerTooltip(c, now, hostVm),
  };
}

export function presentImage(i: ImageInfo, now: number): ItemView {
  const label =
    i.repoTags[0] ??
    (i.repoDigests[0]
      ? `${i.repoDigests[0].split('@')[0]}@<none>`
      : `<none> ${i.id.replace(/^sha256:/, '').slice(0, 12)}`);
  const desc = [humanSize(i.size), i.created ? `${humanDuration(now - i.created)} ago` : '']
    .filter(Boolean)
    .join(' · ');
  const tip = [
    `**${escapeMd(label)}**`,
    '',
    `- ID: ${mdCode(i.id.replace(/^sha256:/, '').slice(0, 12))}`,
    `- Size: ${humanSize(i.size)}`,
    i.created ? `- Created: ${new Date(i.created).toISOString()}` : '',
    i.repoTags.length > 1 ? `- Also tagged: ${i.repoTags.slice(1).map(mdCode).join(', ')}` : '',
    i.containers >= 0 ? `- Containers: ${i.containers}` : '',
  ].filter(Boolean);
  return {
    id: i.id,
    label,
    description: desc,
    icon: i.dangling ? 'circle-slash' : 'package',
    contextValue: i.dangling ? 'image.dangling' : 'image.tagged',
    tooltip: tip.join('\n'),
  };
}

const STATE_ORDER: Record<string, number> = {
  running: 0,
  restarting: 1,
  paused: 2,
  created: 3,
  stopped: 4,
  dead: 5,
  removing: 6,
  unknown: 7,
};

function compareContainers(sortBy: SortBy): (a: ContainerInfo, b: ContainerInfo) => number {
  const byName = (a: ContainerInfo, b: ContainerInfo) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
  switch (sortBy) {
    case 'created':
      return (a, b) => b.created - a.created || byName(a, b);
    case 'state':
      return (a, b) => (STATE_ORDER[a.state] ?? 9) - (STATE_ORDER[b.state] ?? 9) || byName(a, b);
    case 'image':
      return (a, b) => (a.image < b.image ? -1 : a.image > b.image ? 1 : byName(a, b));
    default:
      return byName;
  }
}

export interface ContainerGroup {
  /** Stable key, part of the group node's id. */
  readonly key: string;
  readonly label: string;
  readonly containers: ContainerInfo[];
}

/** The group a container belongs to under `groupBy`. */
export function groupOf(c: ContainerInfo, groupBy: GroupBy): { key: string; label: string } {
  switch (groupBy) {
    case 'composeProject':
      return c.composeProject
        ? { key: `compose:${c.composeProject}`, label: c.composeProject }
        : { key: 'compose:', label: '(no Compose project)' };
    case 'state':
      return { key: `state:${c.state}`, label: c.state };
    case 'runtime':
      return c.runtime
        ? {
            key: `runtime:${c.runtime}`,
            label: `${c.runtime}${ISOLATION_BADGE[c.isolation] ? ` — ${ISOLATION_BADGE[c.isolation]}` : ''}`,
          }
        : { key: 'runtime:', label: '(runtime not yet known)' };
    default:
      return { key: '', label: '' };
  }
}

/** Containers grouped and sorted; with groupBy 'none', one group with key ''. */
export function groupContainers(
  list: Iterable<ContainerInfo>,
  groupBy: GroupBy,
  sortBy: SortBy,
): ContainerGroup[] {
  const groups = new Map<string, ContainerGroup>();
  for (const c of list) {
    const g = groupOf(c, groupBy);
    let grp = groups.get(g.key);
    if (!grp) groups.set(g.key, (grp = { key: g.key, label: g.label, containers: [] }));
    grp.containers.push(c);
  }
  const cmp = compareContainers(sortBy);
  const out = [...groups.values()];
  for (const g of out) g.containers.sort(cmp);
  const rank = (g: ContainerGroup) =>
    groupBy === 'state' ? (STATE_ORDER[g.key.slice(6)] ?? 9) : g.key.endsWith(':') ? 1 : 0;
  return out.sort((a, b) => rank(a) - rank(b) || a.label.localeCompare(b.label));
}
