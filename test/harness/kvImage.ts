import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ensureGuest } from './guest';
import { docker } from './images';

export const KV_IMAGE = 'podvisor-test/kv-containerdisk:1';

/** A containerDisk image built locally: the guest fixture's disk at /disk/disk.img, its kernel and initramfs in /boot. */
export function ensureContainerDiskImage(host: string): string {
  try {
    docker(host, ['image', 'inspect', KV_IMAGE]);
    return KV_IMAGE;
  } catch {
    /* build it */
  }
  const g = ensureGuest();
  const ctx = fs.mkdtempSync(path.join(os.tmpdir(), 'pv-kv-ctx-'));
  try {
    fs.copyFileSync(g.disk, path.join(ctx, 'disk.img'));
    fs.copyFileSync(g.kernel, path.join(ctx, 'vmlinuz'));
    fs.copyFileSync(g.initrd, path.join(ctx, 'initrd.gz'));
    fs.writeFileSync(
      path.join(ctx, 'Dockerfile'),
      'FROM scratch\nCOPY disk.img /disk/disk.img\nCOPY vmlinuz initrd.gz /boot/\n',
    );
    docker(host, ['build', '-q', '-t', KV_IMAGE, ctx]);
    return KV_IMAGE;
  } finally {
    fs.rmSync(ctx, { recursive: true, force: true });
  }
}
