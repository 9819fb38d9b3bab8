import * as path from 'path';

/**
 * Loads a separately bundled heavy module (dist/lazy/NAME.js) on first use, so activation stays
 * cheap. Types come from `import type`; the value comes from the bundle built by esbuild.mjs.
 * Note: classes from a lazy bundle are distinct from the extension bundle's copies, so code
 * across the boundary checks `code` fields, not `instanceof`.
 */
const cache = new Map<string, unknown>();

export function loadLazy<T>(name: 'docker' | 'qemu' | 'libvirt' | 'kube' | 'manifests' | 'sandbox'): T {
  let mod = cache.get(name);
  if (!mod) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    mod = require(path.join(__dirname, 'lazy', `${name}.js`)) as unknown;
    cache.set(name, mod);
  }
  return mod as T;
}
