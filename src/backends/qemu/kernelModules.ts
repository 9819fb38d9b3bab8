/**
 * Kernel modules for a busybox initramfs, read straight from an extracted Debian kernel package:
 * the host has no depmod/modinfo for a foreign kernel, so dependencies come from each module's
 * `.modinfo` `depends=` entry.
 */
import * as fs from 'fs';
import * as path from 'path';

/** `*.ko` files under `modRoot` by module name (dash/underscore-insensitive, as the kernel does). */
function indexModules(modRoot: string): Map<string, string> {
  const idx = new Map<string, string>();
  for (const f of fs.readdirSync(modRoot, { recursive: true }).map(String)) {
    if (f.endsWith('.ko')) idx.set(path.basename(f, '.ko').replace(/-/g, '_'), f);
  }
  return idx;
}

/** `depends=` of one module file. */
function moduleDeps(file: string): string[] {
  const buf = fs.readFileSync(file);
  const at = buf.indexOf('depends=');
  if (at < 0) return [];
  return buf
    .subarray(at + 8, buf.indexOf(0, at))
    .toString('latin1')
    .split(',')
    .filter(Boolean)
    .map((m) => m.replace(/-/g, '_'));
}

/** The files (relative to `modRoot`) to load for `wanted`, dependencies first; builtins and unknown names left out. */
export function moduleLoadOrder(modRoot: string, wanted: readonly string[]): string[] {
  const idx = indexModules(modRoot);
  const order: string[] = [];
  const visit = (m: string): void => {
    const f = idx.get(m);
    if (!f || order.includes(f)) return;
    for (const d of moduleDeps(path.join(modRoot, f))) visit(d);
    if (!order.includes(f)) order.push(f);
  };
  wanted.forEach(visit);
  return order;
}
