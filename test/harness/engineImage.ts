/**
 * The engine VM image for the suites and the benchmark: built once per machine by the real
 * builder (src/backends/qemu/engine/image.ts) into a cache outside the clone, shared by every
 * worktree and run (`/var/cache/podvisor/images` as root, `~/.cache/podvisor/images` otherwise,
 * PODVISOR_IMAGE_CACHE to override). The first build costs about 2–3 minutes; it prints its
 * duration so a cold `npm test` shows where the time went.
 */
import * as os from 'os';
import * as path from 'path';
import { ensureEngineImage, type EngineImage } from '../../src/backends/qemu/engine/image';
import { resolveKernel } from '../../src/backends/qemu/kernel';
import { testCache } from './env';

export function imageCacheRoot(): string {
  if (process.env.PODVISOR_IMAGE_CACHE) return process.env.PODVISOR_IMAGE_CACHE;
  if (process.getuid?.() === 0) return '/var/cache/podvisor/images';
  return path.join(os.homedir(), '.cache', 'podvisor', 'images');
}

/** Builds (or finds) the image; `cacheDir` is the run's test cache (the kernel is fetched there). */
export async function ensureTestEngineImage(
  cacheDir: string = testCache,
  log: (s: string) => void = () => undefined,
): Promise<EngineImage> {
  const k = await resolveKernel('', path.join(cacheDir, 'sandbox'));
  if (!k.modules) throw new Error(`kernel ${k.vmlinuz} has no modules folder`);
  const img = await ensureEngineImage({
    cacheRoot: imageCacheRoot(),
    kernel: { version: k.version, vmlinuz: k.vmlinuz, modules: k.modules },
    onLine: (l) => log(`[engine image] ${l}`),
  });
  if (img.buildMs !== undefined)
    console.log(`  engine VM image built in ${(img.buildMs / 1000).toFixed(1)} s (${img.dir})`);
  return img;
}
