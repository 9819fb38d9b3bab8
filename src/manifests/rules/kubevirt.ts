/**
 * KubeVirt rules a schema can't express: `running` vs `runStrategy`, disks↔volumes and
 * interfaces↔networks (both ways), unique names and boot orders, resource quantities,
 * `containerDisk.image` references, and cloud-init `#cloud-config` user data.
 */
import type { Node } from 'yaml';
import { isScalar } from '../yamlFns';
import type { KindInfo } from '../kinds';
import { imageRefProblem } from '../imageRef';
import { hasPlaceholder } from '../placeholders';
import {
  asMap,
  get,
  getPath,
  mapItems,
  pair,
  pathText,
  report,
  scalarValue,
  str,
  type CheckContext,
} from './context';
import { checkRequestsWithinLimits } from './resources';
import { checkCloudInit } from './cloudInit';

export function checkKubeVirt(ctx: CheckContext, root: Node, info: KindInfo): void {
  if (info.kind === 'VirtualMachine') checkRunning(ctx, root);
  if (!info.vmiSpecPath) return;
  const spec = getPath(root, info.vmiSpecPath);
  if (!asMap(spec)) return;
  checkVmiSpec(ctx, spec as Node, info.vmiSpecPath.map(String));
}

function checkRunning(ctx: CheckContext, root: Node): void {
  const spec = get(root, 'spec');
  const running = pair(spec, 'running');
  if (!running) return;
  const rs = pair(spec, 'runStrategy');
  const v = scalarValue(running.value);
  if (rs) {
    report(
      ctx,
      running.key,
      'error',
      'kubevirt.running-and-runStrategy',
      '`spec.running` and `spec.runStrategy` are mutually exclusive: remove `spec.running` (deprecated)',
      { runStrategy: scalarValue(rs.value), running: v },
    );
    return;
  }
  const replacement = v === false ? 'Halted' : 'Always';
  report(
    ctx,
    running.key,
    'warning',
    'kubevirt.running-deprecated',
    `\`spec.running\` is deprecated: use \`spec.runStrategy: ${replacement}\``,
    {
      running: v,
      replacement,
      start: ctx.parsed.slice.start + running.key.range![0],
      end: ctx.parsed.slice.start + (running.value?.range?.[1] ?? running.key.range![1]),
    },
  );
}

interface Named {
  name: string;
  node: Node;
  index: number;
  item: Node;
}

function names(seq: unknown): Named[] {
  const r: Named[] = [];
  for (const [m, index] of mapItems(seq)) {
    const p = pair(m, 'name');
    const name = p && str(p.value);
    if (p?.value && name !== undefined) r.push({ name, node: p.value, index, item: m });
  }
  return r;
}

function checkUnique(ctx: CheckContext, list: Named[], what: string, where: string): void {
  const seen = new Map<string, Named>();
  for (const n of list) {
    const first = seen.get(n.name);
    if (first)
      report(
        ctx,
        n.node,
        'error',
        'kubevirt.duplicate-name',
        `${what} name \`${n.name}\` is used twice in \`${where}\``,
        { name: n.name },
      );
    else seen.set(n.name, n);
  }
}

function checkVmiSpec(ctx: CheckContext, spec: Node, base: string[]): void {
  const p = (...rest: string[]) => pathText([...base, ...rest]);
  const devices = getPath(spec, ['domain', 'devices']);
  const diskSeq = get(devices, 'disks');
  const disks = names(diskSeq);
  const filesystems = names(get(devices, 'filesystems'));
  const interfaces = names(get(devices, 'interfaces'));
  const volumesSeq = get(spec, 'volumes');
  const volumes = names(volumesSeq);
  const networks = names(get(spec, 'networks'));
  const t = ctx.templated;
  checkUnique(ctx, disks, 'Disk', p('domain', 'devices', 'disks'));
  checkUnique(ctx, volumes, 'Volume', p('volumes'));
  checkUnique(ctx, interfaces, 'Interface', p('domain', 'devices', 'interfaces'));
  checkUnique(ctx, networks, 'Network', p('networks'));
  const volNames = new Set(volumes.map((v) => v.name));
  const netNames = new Set(networks.map((n) => n.name));
  for (const d of disks) {
    if (volNames.has(d.name) || (t && hasPlaceholder(d.name))) continue;
    // An empty CD-ROM tray (for hotplug) is a cdrom disk without a volume.
    if (get(d.item, 'cdrom') !== undefined && !volNames.has(d.name)) continue;
    // Without any `volumes` this is most likely an excerpt: warn rather than fail.
    report(
      ctx,
      d.node,
      volumesSeq ? 'error' : 'warning',
      'kubevirt.disk-without-volume',
      `Disk \`${d.name}\` has no volume of the same name in \`${p('volumes')}\``,
      {
        name: d.name,
        volumesPath: [...base, 'volumes'],
        specPath: base,
        insertAfter: volumesSeq?.range ? ctx.parsed.slice.start + volumesSeq.range[1] : undefined,
      },
    );
  }
  for (const f of filesystems) {
    if (volNames.has(f.name) || (t && hasPlaceholder(f.name))) continue;
    report(
      ctx,
      f.node,
      volumesSeq ? 'error' : 'warning',
      'kubevirt.filesystem-without-volume',
      `Filesystem \`${f.name}\` has no volume of the same name in \`${p('volumes')}\``,
      { name: f.name },
    );
  }
  const used = new Set([...disks, ...filesystems].map((d) => d.name));
  for (const v of volumes) {
    if (used.has(v.name) || (t && hasPlaceholder(v.name))) continue;
    report(
      ctx,
      v.node,
      'warning',
      'kubevirt.volume-without-disk',
      `Volume \`${v.name}\` is not used by any disk or filesystem in \`${p('domain', 'devices')}\``,
      { name: v.name },
    );
  }
  for (const i of interfaces) {
    if (netNames.has(i.name) || (t && hasPlaceholder(i.name))) continue;
    report(
      ctx,
      i.node,
      'error',
      'kubevirt.interface-without-network',
      `Interface \`${i.name}\` has no network of the same name in \`${p('networks')}\``,
      { name: i.name },
    );
  }
  // Without any interface KubeVirt attaches the pod network by itself; only check named pairs.
  if (interfaces.length) {
    const ifNames = new Set(interfaces.map((i) => i.name));
    for (const n of networks) {
      if (ifNames.has(n.name) || (t && hasPlaceholder(n.name))) continue;
      report(
        ctx,
        n.node,
        'warning',
        'kubevirt.network-without-interface',
        `Network \`${n.name}\` is not used by any interface in \`${p('domain', 'devices', 'interfaces')}\``,
        { name: n.name },
      );
    }
  }
  // Boot orders are shared by disks and interfaces and must be unique and positive.
  const orders = new Map<number, string>();
  for (const item of [...disks, ...interfaces]) {
    const bo = pair(item.item, 'bootOrder');
    const v = scalarValue(bo?.value);
    if (typeof v !== 'number' || !bo?.value) continue;
    if (v < 1) {
      report(
        ctx,
        bo.value,
        'error',
        'kubevirt.boot-order',
        `Boot order must be 1 or more (on \`${item.name}\`)`,
        { name: item.name },
      );
      continue;
    }
    const prev = orders.get(v);
    if (prev !== undefined)
      report(
        ctx,
        bo.value,
        'error',
        'kubevirt.duplicate-boot-order',
        `Boot order ${v} is used by both \`${prev}\` and \`${item.name}\``,
        { order: v },
      );
    else orders.set(v, item.name);
  }
  for (const v of volumes) {
    const cd = get(v.item, 'containerDisk');
    const img = pair(cd, 'image');
    if (img?.value && isScalar(img.value) && typeof img.value.value === 'string') {
      const ref = img.value.value;
      if (t && hasPlaceholder(ref)) continue;
      const problem = imageRefProblem(ref);
      if (problem)
        report(
          ctx,
          img.value,
          'error',
          'image.invalid-reference',
          `\`${ref}\` is not a valid image reference: ${problem}`,
          { image: ref },
        );
    }
    for (const key of ['cloudInitNoCloud', 'cloudInitConfigDrive']) {
      const ci = get(v.item, key);
      if (ci) checkCloudInit(ctx, ci, key);
    }
  }
  const resources = getPath(spec, ['domain', 'resources']);
  if (resources) checkRequestsWithinLimits(ctx, resources, p('domain', 'resources'));
}
