/**
 * Builds the engine VM's guest image from Debian packages, offline from the internet at large
 * (only the Debian mirror apt already uses), and caches it by the recipe's content hash:
 *  - `disk.ext4`: a sparse 16 GiB ext4 (about 300 MB used) made by mmdebstrap (--variant=essential
 *    plus recipe.PACKAGES), with the kernel's modules, our init, agent and seed reader;
 *  - `initrd.cpio`: a busybox initramfs that mounts the disk and switches to it;
 *  - `vmlinuz`: a copy of the kernel, so the image stays whole when a kernel cache is cleaned.
 *
 * mmdebstrap (root mode: only root makes a tree with the right owners for mkfs.ext4 -d) writes
 * the root filesystem into a folder; our files are copied in, depmod runs in the tree
 * (`chroot … depmod`, argument arrays throughout), and mkfs.ext4 makes the disk from it.
 * Everything is built in a work folder next to the cache entry and renamed into place at the
 * end, under a lock, so a failed, cancelled or concurrent build leaves nothing half-made.
 */
import * as fs from 'fs';
import * as path from 'path';
import { CancelledError, UserError, isCancelled, messageOf } from '../../../common/errors';
import { run as realRun, start as realStart, type Runner } from '../../../common/process';
import { hostDebianSources, type DebianSources } from './aptSources';
import { buildEngineInitramfs } from './initramfs';
import {
  GUEST_FILES,
  GUEST_MODULES,
  MODULE_PATHS,
  PACKAGES,
  PATH_EXCLUDES,
  SSHD_CONFIG,
  recipeHash,
} from './recipe';

/** The kernel the image is built for (Debian's cloud kernel, unpacked with its modules). */
export interface EngineKernel {
  readonly version: string;
  readonly vmlinuz: string;
  /** `lib/modules/<version>` of that kernel. */
  readonly modules: string;
}

export interface EngineImage {
  readonly hash: string;
  readonly dir: string;
  readonly disk: string;
  readonly initrd: string;
  readonly kernel: string;
  readonly kernelVersion: string;
  /** How long the build took, when this call built it (not when it came from the cache). */
  readonly buildMs?: number;
}

export interface EngineImageOptions {
  /** Where images are cached (one folder per content hash). */
  readonly cacheRoot: string;
  readonly kernel: EngineKernel;
  /** Debian suite and mirror lines; default: the host's (hostDebianSources). */
  readonly sources?: DebianSources;
  /** Progress lines (mmdebstrap's own "I: …" lines). */
  readonly onLine?: (line: string) => void;
  readonly runner?: Pick<Runner, 'run' | 'start'>;
  /** Free space asked for before building, bytes (default 1.5 GiB). */
  readonly needBytes?: number;
}

/** The disk's size (sparse: only what is written takes space on the host). */
export const ENGINE_DISK_GIB = 16;
const MMDEBSTRAP = 'mmdebstrap';
const MERGED_USR_HOOKS = '/usr/share/mmdebstrap/hooks/merged-usr';
const BUSYBOX_CANDIDATES = ['/bin/busybox', '/usr/bin/busybox'];

function readyFile(dir: string): string {
  return path.join(dir, 'ready.json');
}

/** The cached image for these inputs, or undefined. */
export function cachedEngineImage(
  cacheRoot: string,
  kernel: EngineKernel,
  sources: DebianSources,
): EngineImage | undefined {
  const hash = recipeHash(sources.suite, sources.lines, kernel.version);
  const dir = path.join(cacheRoot, `engine-${hash}`);
  if (!fs.existsSync(readyFile(dir))) return undefined;
  return imageAt(dir, hash, kernel.version);
}

function imageAt(dir: string, hash: string, kernelVersion: string, buildMs?: number): EngineImage {
  return {
    hash,
    dir,
    disk: path.join(dir, 'disk.ext4'),
    initrd: path.join(dir, 'initrd.cpio'),
    kernel: path.join(dir, 'vmlinuz'),
    kernelVersion,
    ...(buildMs !== undefined ? { buildMs } : {}),
  };
}

function freeBytes(dir: string): number {
  const s = fs.statfsSync(dir);
  return s.bavail * s.bsize;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** An exclusive lock file holding our pid; a lock whose owner died is taken over. */
async function withLock<T>(lock: string, signal: AbortSignal | undefined, fn: () => Promise<T>): Promise<T> {
  for (;;) {
    if (signal?.aborted) throw new CancelledError();
    try {
      fs.writeFileSync(lock, String(process.pid), { flag: 'wx' });
      break;
    } catch {
      const owner = Number(fs.readFileSync(lock, 'utf8').trim() || 0);
      if (!(owner > 0) || !pidAlive(owner)) fs.rmSync(lock, { force: true });
      // Another build of the same image is under way: wait for it (minutes, not a UI poll).
      else await sleep(2000);
    }
  }
  try {
    return await fn();
  } finally {
    fs.rmSync(lock, { force: true });
  }
}

/** Copies the files that go into the image into `overlay` (a tree mirroring the root). */
function stageOverlay(overlay: string, kernel: EngineKernel, busybox: string): void {
  const put = (rel: string, text: string, mode = 0o644) => {
    const f = path.join(overlay, rel);
    fs.mkdirSync(path.dirname(f), { recursive: true });
    fs.writeFileSync(f, text, { mode });
    fs.chmodSync(f, mode);
  };
  // Under /usr: the image has a merged /usr (/sbin is a link to usr/sbin).
  put('usr/sbin/pv-init', GUEST_FILES.init, 0o755);
  put('usr/local/lib/podvisor/pv-agent', GUEST_FILES.agent, 0o755);
  put('usr/local/lib/podvisor/seed-apply', GUEST_FILES.seedApply, 0o755);
  put('etc/acpi/PWRF/00000080', GUEST_FILES.powerButton, 0o755);
  put('etc/podvisor/modules', GUEST_MODULES.join(' ') + '\n');
  put('etc/ssh/sshd_config.d/podvisor.conf', SSHD_CONFIG);
  put('etc/hostname', 'engine\n');
  put('etc/hosts', '127.0.0.1 localhost\n::1 localhost\n');
  fs.mkdirSync(path.join(overlay, 'usr/local/bin'), { recursive: true });
  fs.copyFileSync(busybox, path.join(overlay, 'usr/local/bin/busybox'));
  fs.chmodSync(path.join(overlay, 'usr/local/bin/busybox'), 0o755);
  // Only the modules an engine needs (netfilter, bridge, overlay, virtio…): ~25 of ~90 MB.
  const from = path.join(kernel.modules, 'kernel');
  const to = path.join(overlay, 'usr/lib/modules', kernel.version);
  for (const p of MODULE_PATHS) {
    const src = path.join(from, p);
    if (!fs.existsSync(src)) continue;
    fs.mkdirSync(path.dirname(path.join(to, 'kernel', p)), { recursive: true });
    fs.cpSync(src, path.join(to, 'kernel', p), { recursive: true });
  }
  for (const f of fs.readdirSync(kernel.modules))
    if (/^modules\.(builtin|order)/.test(f)) fs.copyFileSync(path.join(kernel.modules, f), path.join(to, f));
}

/**
 * The image for this kernel and the host's Debian sources: from the cache, or built now
 * (about 2–3 minutes on 2 busy cores, mostly unpacking .debs; see the README's numbers).
 */
export async function ensureEngineImage(
  opts: EngineImageOptions,
  signal?: AbortSignal,
): Promise<EngineImage> {
  const sources = opts.sources ?? hostDebianSources();
  const cached = cachedEngineImage(opts.cacheRoot, opts.kernel, sources);
  if (cached) return cached;
  const runner = opts.runner ?? { run: realRun, start: realStart };
  const hash = recipeHash(sources.suite, sources.lines, opts.kernel.version);
  const dir = path.join(opts.cacheRoot, `engine-${hash}`);
  fs.mkdirSync(opts.cacheRoot, { recursive: true });
  const need = opts.needBytes ?? 1.5 * 1024 ** 3;
  const free = freeBytes(opts.cacheRoot);
  if (free < need)
    throw new UserError(
      `No space for the engine VM image: ${(free / 1048576).toFixed(0)} MiB free in ${opts.cacheRoot}, about ${(need / 1048576).toFixed(0)} MiB needed while it is built. Free some space and try again.`,
    );
  if (process.getuid?.() !== 0)
    throw new UserError(
      'Building the engine VM image needs root on this version (mmdebstrap in root mode makes the disk with the right owners). Build it once as root, or use an image built on another machine.',
    );
  const busybox = BUSYBOX_CANDIDATES.find((p) => fs.existsSync(p));
  if (!busybox)
    throw new UserError(
      'The engine VM image needs busybox-static on the host (Debian package busybox-static).',
    );
  return withLock(`${dir}.lock`, signal, async () => {
    const again = cachedEngineImage(opts.cacheRoot, opts.kernel, sources);
    if (again) return again;
    const t0 = Date.now();
    const work = fs.mkdtempSync(path.join(opts.cacheRoot, `.build-${hash}-`));
    try {
      const overlay = path.join(work, 'overlay');
      const root = path.join(work, 'root');
      const out = path.join(work, 'image');
      const tmp = path.join(work, 'tmp');
      fs.mkdirSync(out);
      fs.mkdirSync(tmp);
      stageOverlay(overlay, opts.kernel, busybox);
      const args = [
        '--mode=root',
        '--variant=essential',
        '--format=directory',
        `--include=${PACKAGES.join(',')}`,
        ...(fs.existsSync(MERGED_USR_HOOKS) ? [`--hook-dir=${MERGED_USR_HOOKS}`] : []),
        ...PATH_EXCLUDES.map((p) => `--dpkgopt=path-exclude=${p}`),
        '--aptopt=Acquire::Retries "3"',
        sources.suite,
        root,
        ...sources.lines,
      ];
      const p = runner.start(
        {
          command: MMDEBSTRAP,
          args,
          label: 'mmdebstrap (engine VM image)',
          hint: 'Debian package mmdebstrap',
          env: { TMPDIR: tmp },
          stdout: 'pipe',
          stderr: 'pipe',
        },
        signal,
      );
      let partial = '';
      const onData = (d: Buffer) => {
        partial += d.toString('utf8');
        const lines = partial.split('\n');
        partial = lines.pop() ?? '';
        for (const l of lines) if (l.trim()) opts.onLine?.(l);
      };
      p.stdout?.on('data', onData);
      p.stderr?.on('data', onData);
      await p.done();
      // Our files (modules, init, agent, configuration); as root they are root's in the image.
      fs.cpSync(overlay, root, { recursive: true });
      await runner.run(
        {
          command: 'chroot',
          args: [root, 'depmod', '-a', opts.kernel.version],
          label: 'depmod (engine VM image)',
        },
        signal,
      );
      // Host keys come per VM from its seed: none is baked into the shared image.
      for (const f of fs.readdirSync(path.join(root, 'etc/ssh')))
        if (f.startsWith('ssh_host_')) fs.rmSync(path.join(root, 'etc/ssh', f));
      await runner.run(
        {
          command: 'mkfs.ext4',
          args: [
            '-q',
            '-F',
            '-L',
            'pvengine',
            '-E',
            'root_owner=0:0',
            '-d',
            root,
            path.join(out, 'disk.ext4'),
            `${ENGINE_DISK_GIB}G`,
          ],
          label: 'mkfs.ext4 (engine VM image)',
        },
        signal,
      );
      fs.copyFileSync(opts.kernel.vmlinuz, path.join(out, 'vmlinuz'));
      await buildEngineInitramfs(busybox, opts.kernel, path.join(out, 'initrd.cpio'), runner, signal);
      const buildMs = Date.now() - t0;
      fs.writeFileSync(
        readyFile(out),
        JSON.stringify(
          {
            hash,
            builtAt: new Date().toISOString(),
            buildMs,
            suite: sources.suite,
            sources: sources.lines,
            kernel: opts.kernel.version,
            packages: PACKAGES,
          },
          null,
          2,
        ) + '\n',
      );
      // Base images are only ever read (each VM writes a qcow2 overlay).
      fs.chmodSync(path.join(out, 'disk.ext4'), 0o444);
      fs.rmSync(dir, { recursive: true, force: true });
      fs.renameSync(out, dir);
      return imageAt(dir, hash, opts.kernel.version, buildMs);
    } catch (e) {
      if (isCancelled(e)) throw e;
      const msg = messageOf(e);
      if (/No space left on device/i.test(msg) || (e as { code?: string }).code === 'ENOSPC')
        throw new UserError(`No space for the engine VM image in ${opts.cacheRoot}: ${msg}`);
      if ((e as { code?: string }).code === 'PODVISOR_USER_ERROR') throw e;
      throw new UserError(`Could not build the engine VM image: ${msg}`);
    } finally {
      fs.rmSync(work, { recursive: true, force: true });
    }
  });
}
