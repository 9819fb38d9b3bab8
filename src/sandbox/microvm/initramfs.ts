import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { UserError } from '../../common/errors';
import { processRunner, type Runner } from '../../common/process';
import type { KernelFiles } from '../../backends/qemu/kernel';
import { moduleLoadOrder } from '../../backends/qemu/kernelModules';

/** Printed by the guest when the root disk and the workspace are mounted and the console shell starts. */
export const SANDBOX_UP = 'PODVISOR-SANDBOX-UP';

const MODULES = [
  'virtio_mmio',
  'virtio_pci',
  'virtio_blk',
  'virtio_net',
  'virtio_console',
  'virtiofs',
  'ext4',
  'crc32c_generic',
  'button',
];

/**
 * The guest's PID 1 (busybox, in the initramfs). It mounts the image's disk as the root, the
 * workspace (virtiofs tag `workspace`) at its target, sets up user-mode networking, and runs the
 * image's /bin/sh on the console, chrooted into the disk, forever. Per-sandbox settings come
 * from /pv/env, a small cpio appended to the initramfs (so the disk is never edited on the host).
 */
const INIT = `#!/bin/sh
export PATH=/bin:/sbin
mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev
for m in $(cat /etc/modules-load); do insmod /lib/modules/$m 2>/dev/null; done
PV_WS=; PV_HOME=/root; PV_USER=root
[ -f /pv/settings ] && . /pv/settings
R=/newroot
mkdir -p $R
if ! mount -t ext4 -o rw /dev/vda $R; then echo "PV-FAIL: cannot mount the root disk /dev/vda"; sync; poweroff -f; fi
for d in proc sys dev tmp; do mkdir -p $R/$d; done
mount -t proc proc $R/proc; mount -t sysfs sys $R/sys; mount -o bind /dev $R/dev
mkdir -p $R/dev/pts; mount -t devpts devpts $R/dev/pts 2>/dev/null
if [ -n "$PV_WS" ]; then mkdir -p $R$PV_WS; mount -t virtiofs workspace $R$PV_WS || echo "PV-FAIL: cannot mount the workspace"; fi
if [ -e /sys/class/net/eth0 ]; then ip link set lo up; ip link set eth0 up; ip addr add 10.0.2.15/24 dev eth0; ip route add default via 10.0.2.2; fi
[ -f $R/etc/resolv.conf ] || echo "nameserver 10.0.2.3" > $R/etc/resolv.conf 2>/dev/null
cp /pv/env $R/.pv-env 2>/dev/null
echo "${SANDBOX_UP} uptime=$(cut -d' ' -f1 /proc/uptime)"
while true; do
  setsid cttyhack chroot $R /bin/sh -c "[ -f /.pv-env ] && . /.pv-env; cd \\"\${PV_WS:-/}\\" 2>/dev/null; exec /bin/sh -i"
  sleep 0.2
done
`;

/** A newc cpio archive of `dir` (busybox's cpio: the host needs no cpio package). */
async function cpio(runner: Runner, busybox: string, dir: string, signal?: AbortSignal): Promise<Buffer> {
  const list = (await runner.run({ command: 'find', args: ['.'], cwd: dir, timeoutMs: 60_000 }, signal))
    .stdout;
  const r = await runner.run(
    {
      command: busybox,
      args: ['cpio', '-o', '-H', 'newc'],
      cwd: dir,
      input: list,
      encoding: 'buffer',
      maxBuffer: 512 * 1024 * 1024,
      timeoutMs: 120_000,
      label: 'busybox cpio',
    },
    signal,
  );
  return r.stdout;
}

function findBusybox(): string {
  const busybox = ['/bin/busybox', '/usr/bin/busybox'].find((p) => fs.existsSync(p));
  if (!busybox)
    throw new UserError('MicroVM sandboxes need busybox-static on the host (Debian package busybox-static)');
  return busybox;
}

/** The shared initramfs for a kernel (busybox + its virtio modules + our init), cached by kernel and init. */
export async function ensureInitramfs(
  kernel: KernelFiles,
  cacheDir: string,
  signal?: AbortSignal,
  runner: Runner = processRunner,
): Promise<string> {
  const busybox = findBusybox();
  const key = crypto
    .createHash('sha256')
    .update(INIT)
    .update(kernel.version)
    .update(MODULES.join())
    .digest('hex')
    .slice(0, 12);
  const out = path.join(cacheDir, 'initramfs', `${kernel.version}-${key}.cpio`);
  if (fs.existsSync(out)) return out;
  fs.mkdirSync(path.dirname(out), { recursive: true });
  const w = fs.mkdtempSync(path.join(os.tmpdir(), 'pv-sbx-initrd-'));
  try {
    for (const d of ['bin', 'sbin', 'etc', 'proc', 'sys', 'dev', 'newroot', 'pv', 'lib/modules'])
      fs.mkdirSync(path.join(w, d), { recursive: true });
    fs.copyFileSync(busybox, path.join(w, 'bin', 'busybox'));
    fs.chmodSync(path.join(w, 'bin', 'busybox'), 0o755);
    const applets = (
      await runner.run({ command: busybox, args: ['--list'], timeoutMs: 30_000 }, signal)
    ).stdout
      .split('\n')
      .filter(Boolean);
    for (const a of applets) if (a !== 'busybox') fs.symlinkSync('busybox', path.join(w, 'bin', a));
    const order =
      kernel.modules && fs.existsSync(kernel.modules) ? moduleLoadOrder(kernel.modules, MODULES) : [];
    for (const f of order) {
      fs.mkdirSync(path.dirname(path.join(w, 'lib/modules', f)), { recursive: true });
      fs.copyFileSync(path.join(kernel.modules!, f), path.join(w, 'lib/modules', f));
    }
    fs.writeFileSync(path.join(w, 'etc', 'modules-load'), order.join('\n') + '\n');
    fs.writeFileSync(path.join(w, 'init'), INIT, { mode: 0o755 });
    // Uncompressed: the per-sandbox settings cpio is appended to it, and TCG decompresses slowly.
    fs.writeFileSync(out + '.tmp', await cpio(runner, busybox, w, signal));
    fs.renameSync(out + '.tmp', out);
    return out;
  } finally {
    fs.rmSync(w, { recursive: true, force: true });
  }
}

/** shell-safe `KEY='value'` lines. */
function shLines(vars: Readonly<Record<string, string>>, exported: boolean): string {
  return (
    Object.entries(vars)
      .filter(([k]) => /^[A-Za-z_][A-Za-z0-9_]*$/.test(k))
      .map(([k, v]) => `${exported ? 'export ' : ''}${k}='${v.replace(/'/g, `'\\''`)}'`)
      .join('\n') + '\n'
  );
}

/** The sandbox's initramfs: the shared one plus a small cpio with its settings and environment. */
export async function writeSandboxInitramfs(
  shared: string,
  out: string,
  settings: Readonly<Record<string, string>>,
  env: Readonly<Record<string, string>>,
  signal?: AbortSignal,
  runner: Runner = processRunner,
): Promise<void> {
  const w = fs.mkdtempSync(path.join(os.tmpdir(), 'pv-sbx-settings-'));
  try {
    fs.mkdirSync(path.join(w, 'pv'));
    fs.writeFileSync(path.join(w, 'pv', 'settings'), shLines(settings, false));
    fs.writeFileSync(
      path.join(w, 'pv', 'env'),
      shLines(
        {
          PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
          PS1: '# ',
          TERM: 'xterm-256color',
          ...env,
          ...(settings.PV_WS ? { PV_WS: settings.PV_WS } : {}),
        },
        true,
      ),
    );
    const extra = await cpio(runner, findBusybox(), w, signal);
    fs.writeFileSync(out, Buffer.concat([fs.readFileSync(shared), extra]));
  } finally {
    fs.rmSync(w, { recursive: true, force: true });
  }
}
