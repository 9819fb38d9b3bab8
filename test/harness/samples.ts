/**
 * What `npm start` prepares so that every sample in samples/ works on a machine with no
 * network: a workspace copy outside the checkout (quick fixes and new files never touch tracked
 * files), the images the samples name built from local files, and a kernel, initramfs and disk
 * for "New VM…". Used by scripts/start.mjs; the tests build the same images through images.ts.
 */
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { ensureGuest } from './guest';
import { BUSYBOX_IMAGE, docker, ensureBusyboxImage } from './images';
import { KV_IMAGE, ensureContainerDiskImage } from './kvImage';

type Log = (s: string) => void;

/** Image names the samples use → how each is made locally (only when the engine lacks it). */
export const SAMPLE_IMAGES: Readonly<Record<string, 'busybox' | 'containerDisk'>> = {
  [BUSYBOX_IMAGE]: 'busybox', // .devcontainer/devcontainer.json
  'busybox:1.36': 'busybox', // manifests/gvisor-pod.yaml
  'busybox:latest': 'busybox', // manifests/sandboxed-pods.yaml
  [KV_IMAGE]: 'containerDisk', // manifests/kubevirt-vm.yaml (disk and kernelBoot)
};

function treeHash(dir: string): string {
  const h = crypto.createHash('sha256');
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = path.join(d, e.name);
      h.update(path.relative(dir, p) + '\0');
      if (e.isDirectory()) walk(p);
      else h.update(fs.readFileSync(p));
    }
  };
  walk(dir);
  return h.digest('hex').slice(0, 16);
}

/**
 * Copies `samples` to `dest` when it is missing or the tracked samples changed since the last
 * copy (a stamp file records which); the user's edits in the copy survive restarts otherwise.
 */
export function prepareSampleWorkspace(samples: string, dest: string, log: Log): string {
  const stamp = path.join(path.dirname(dest), `${path.basename(dest)}.samples-hash`);
  const hash = treeHash(samples);
  const current = fs.existsSync(stamp) ? fs.readFileSync(stamp, 'utf8').trim() : '';
  if (fs.existsSync(dest) && current === hash) {
    log(`workspace ${dest} (a copy of samples/, kept from the last start)`);
    return dest;
  }
  if (fs.existsSync(dest)) log(`samples/ changed since the last copy: ${dest} is copied again`);
  fs.rmSync(dest, { recursive: true, force: true });
  fs.mkdirSync(path.dirname(dest), { recursive: true });
  fs.cpSync(samples, dest, { recursive: true });
  fs.writeFileSync(stamp, hash + '\n');
  log(`workspace ${dest} (copied from samples/)`);
  return dest;
}

function hasImage(host: string, name: string): boolean {
  try {
    docker(host, ['image', 'inspect', '--format', '{{.Id}}', name]);
    return true;
  } catch {
    return false;
  }
}

/**
 * Makes every image in SAMPLE_IMAGES present on the engine at `host`: images it already has are
 * left alone (a real busybox stays the real one); missing ones are built from local files.
 * Returns one line per image saying what was done.
 */
export function prepareSampleImages(host: string, log: Log): string[] {
  const lines: string[] = [];
  for (const [name, kind] of Object.entries(SAMPLE_IMAGES)) {
    if (hasImage(host, name)) {
      lines.push(`${name}: already on the engine`);
      continue;
    }
    if (kind === 'containerDisk') {
      log(`building ${name} (containerDisk: a busybox guest disk, its kernel and initramfs)…`);
      ensureContainerDiskImage(host);
      lines.push(`${name}: built (containerDisk from the local guest disk, kernel in /boot)`);
    } else if (name === BUSYBOX_IMAGE) {
      ensureBusyboxImage(host);
      lines.push(`${name}: built from /bin/busybox (busybox-static)`);
    } else {
      ensureBusyboxImage(host);
      docker(host, ['tag', BUSYBOX_IMAGE, name]);
      lines.push(`${name}: tagged from ${BUSYBOX_IMAGE} (built from /bin/busybox; a pull replaces it)`);
    }
  }
  return lines;
}

/**
 * Puts the guest fixture (kernel, initramfs, ext4 root disk) in `<workspace>/vm-images/` so that
 * "New VM…" from a kernel has files to pick. Symbolic links into the machine's cache, no copy.
 */
export function prepareVmImages(workspace: string): string[] {
  const g = ensureGuest();
  const dir = path.join(workspace, 'vm-images');
  fs.mkdirSync(dir, { recursive: true });
  const files: Array<[string, string]> = [
    ['vmlinuz', g.kernel],
    ['initrd.gz', g.initrd],
    ['disk.ext4', g.disk],
  ];
  for (const [name, target] of files) {
    const p = path.join(dir, name);
    fs.rmSync(p, { force: true });
    fs.symlinkSync(target, p);
  }
  fs.writeFileSync(
    path.join(dir, 'README.md'),
    [
      '# Files for "Podvisor: New VM…"',
      '',
      `Prepared by \`npm start\` (links into the machine's cache; Linux ${g.kernelVersion}).`,
      '',
      '- `vmlinuz` and `initrd.gz`: choose "From a kernel and initrd" and pick them; the default',
      '  command line (`console=ttyS0`) boots to a busybox shell on the serial console.',
      '- `disk.ext4`: a busybox root disk; add it as the disk and `pv.root=/dev/vda` to the command',
      '  line to switch into it (the VM writes to an overlay, never to this file).',
      '',
    ].join('\n'),
  );
  return files.map(([n]) => path.join(dir, n));
}
