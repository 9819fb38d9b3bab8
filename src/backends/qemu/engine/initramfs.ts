/**
 * The engine VM's initramfs: static busybox, the virtio modules the cloud kernel needs to see
 * its disk (virtio_blk is a module there), and an init that mounts the disk and switches to it
 * (guest/initramfs-init.sh). Uncompressed: TCG decompresses slowly and the file is ~3 MB.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { Runner } from '../../../common/process';
import type { EngineKernel } from './image';
import { GUEST_FILES, INITRAMFS_MODULES } from './recipe';

const APPLETS = [
  'sh',
  'mount',
  'umount',
  'insmod',
  'switch_root',
  'mkdir',
  'sleep',
  'echo',
  'cat',
  'poweroff',
  'sync',
];

export async function buildEngineInitramfs(
  busybox: string,
  kernel: EngineKernel,
  out: string,
  runner: Pick<Runner, 'run'>,
  signal?: AbortSignal,
): Promise<void> {
  const w = fs.mkdtempSync(path.join(os.tmpdir(), 'pv-engine-initrd-'));
  try {
    for (const d of ['bin', 'etc', 'proc', 'sys', 'dev', 'newroot', 'lib/modules'])
      fs.mkdirSync(path.join(w, d), { recursive: true });
    fs.copyFileSync(busybox, path.join(w, 'bin/busybox'));
    fs.chmodSync(path.join(w, 'bin/busybox'), 0o755);
    for (const a of APPLETS) fs.symlinkSync('busybox', path.join(w, 'bin', a));
    const order: string[] = [];
    for (const m of INITRAMFS_MODULES) {
      const src = path.join(kernel.modules, 'kernel', m);
      if (!fs.existsSync(src)) continue; // built in
      fs.copyFileSync(src, path.join(w, 'lib/modules', path.basename(m)));
      order.push(path.basename(m));
    }
    fs.writeFileSync(path.join(w, 'etc/modules-load'), order.join('\n') + '\n');
    fs.writeFileSync(path.join(w, 'init'), GUEST_FILES.initramfsInit, { mode: 0o755 });
    const list = (await runner.run({ command: 'find', args: ['.'], cwd: w }, signal)).stdout;
    const r = await runner.run(
      {
        command: busybox,
        args: ['cpio', '-o', '-H', 'newc'],
        cwd: w,
        input: list,
        encoding: 'buffer',
        label: 'busybox cpio (engine initramfs)',
      },
      signal,
    );
    fs.writeFileSync(out, r.stdout);
  } finally {
    fs.rmSync(w, { recursive: true, force: true });
  }
}
