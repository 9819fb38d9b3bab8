/**
 * A tiny guest for the VM suites (QEMU, libvirt, sandboxes), built from Debian packages and
 * cached under `testCache/guest/<kernel version>/` so only the first run pays (~5 s):
 *  - `kernel`: vmlinuz from `linux-image-cloud-amd64` (`apt-get download` + `dpkg-deb -x`,
 *    nothing installed on the host);
 *  - `initrd`: a busybox-static initramfs with the virtio modules (mmio and pci, blk, net,
 *    console, virtiofs, vsock, isofs, ACPI button);
 *  - `disk`: a 64 MiB ext4 image (`mkfs.ext4 -d`) with a busybox root, `/sbin/init`, `/www`.
 *
 * The initramfs init is driven by the kernel command line (see `GUEST_MARKER` and friends):
 *  - always: loads modules, configures eth0 for QEMU user networking (10.0.2.15/24), starts
 *    acpid (ACPI power button → poweroff), prints `PODVISOR-GUEST-UP uptime=… ` on the console;
 *  - `pv.disk=/dev/vda`   mount that ext4 disk read-write on /disk;
 *  - `pv.root=/dev/vda`   mount it and switch_root into it (its init prints `PODVISOR-DISK-UP`);
 *  - `pv.virtiofs=a,b`    mount virtiofs tags a and b on /mnt/a, /mnt/b;
 *  - `pv.httpd=/disk/www` serve that folder with busybox httpd on port 80;
 *  - `pv.poweroff=1`      power off right after the marker (boot benchmarks);
 *  - then a root shell on the console (`/ # ` prompt), restarted when it exits.
 * Everything the init does is echoed as `PV: …` lines so a failing test shows why.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { testCache } from './env';
import { busyboxRootfs } from './images';
import { moduleLoadOrder } from '../../src/backends/qemu/kernelModules';

export const GUEST_MARKER = 'PODVISOR-GUEST-UP';
export const DISK_MARKER = 'PODVISOR-DISK-UP';
/** The shell prompt on the guest console. */
export const GUEST_PROMPT = '/ # ';

export interface GuestFixture {
  readonly kernelVersion: string;
  readonly kernel: string;
  readonly initrd: string;
  /** Raw ext4 image; treat as a read-only base (make an overlay or a copy to write). */
  readonly disk: string;
  /** Files on the disk: `/hello.txt` ("hello from the disk"), `/www/index.html` ("podvisor-www"). */
  readonly diskFiles: Readonly<Record<string, string>>;
  /** Command line for a console on ttyS0 (with `tsc_early_khz`, see hostTscKhzOf); append `pv.*` options. */
  readonly cmdline: string;
}

/** Bump when the initramfs/disk contents change, so cached fixtures are rebuilt. */
const FIXTURE_REVISION = 2;

const MODULES = [
  'virtio_mmio',
  'virtio_pci',
  'virtio_blk',
  'virtio_net',
  'virtio_console',
  'virtio_rng',
  'virtiofs',
  'isofs',
  'vmw_vsock_virtio_transport',
  'button',
  'evdev',
];

const DISK_FILES = { '/hello.txt': 'hello from the disk\n', '/www/index.html': 'podvisor-www\n' };

function run(cmd: string, args: string[], cwd?: string): string {
  return execFileSync(cmd, args, {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    maxBuffer: 64 * 1024 * 1024,
  });
}

/** The versioned kernel package `linux-image-cloud-amd64` depends on (e.g. linux-image-6.1.0-56-cloud-amd64). */
function kernelPackage(): string | undefined {
  try {
    const out = run('apt-cache', ['depends', 'linux-image-cloud-amd64']);
    return /Depends:\s*(linux-image-\S+-cloud-amd64)/.exec(out)?.[1];
  } catch {
    return undefined;
  }
}

const INIT = `#!/bin/sh
export PATH=/bin:/sbin
mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev
for m in $(cat /etc/modules-load); do insmod /lib/modules/$m 2>/dev/null; done
DISK=; ROOT=; FS=; HTTPD=; OFF=
for x in $(cat /proc/cmdline); do case $x in
  pv.disk=*) DISK=\${x#pv.disk=};; pv.root=*) ROOT=\${x#pv.root=};; pv.virtiofs=*) FS=\${x#pv.virtiofs=};;
  pv.httpd=*) HTTPD=\${x#pv.httpd=};; pv.poweroff=*) OFF=1;;
esac; done
if [ -e /sys/class/net/eth0 ]; then
  ip link set lo up; ip link set eth0 up; ip addr add 10.0.2.15/24 dev eth0; ip route add default via 10.0.2.2
  echo "PV: eth0 10.0.2.15"
fi
mkdir -p /etc/acpi/PWRF; printf '#!/bin/sh\\necho PV: power button; sync; poweroff -f\\n' > /etc/acpi/PWRF/00000080; chmod +x /etc/acpi/PWRF/00000080
mkdir -p /var/run; acpid -c /etc/acpi -l /tmp/acpid.log && echo "PV: acpid"
if [ -n "$DISK" ]; then mkdir -p /disk; mount -t ext4 -o rw "$DISK" /disk && echo "PV: mounted $DISK on /disk"; fi
for t in $(echo "$FS" | tr , ' '); do mkdir -p /mnt/$t; mount -t virtiofs $t /mnt/$t && echo "PV: virtiofs $t on /mnt/$t"; done
if [ -n "$HTTPD" ]; then httpd -p 80 -h "$HTTPD" && echo "PV: httpd on :80 serving $HTTPD"; fi
echo "${GUEST_MARKER} uptime=$(cut -d' ' -f1 /proc/uptime)"
if [ -n "$OFF" ]; then sync; poweroff -f; fi
if [ -n "$ROOT" ]; then mkdir -p /newroot; mount -t ext4 -o rw "$ROOT" /newroot && exec switch_root /newroot /sbin/init; echo "PV: switch_root to $ROOT failed"; fi
export PS1='/ # '
while true; do setsid cttyhack sh; done
`;

const DISK_INIT = `#!/bin/sh
export PATH=/bin:/sbin
mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev 2>/dev/null
echo "${DISK_MARKER}"
export PS1='/ # '
while true; do setsid cttyhack sh; done
`;

function buildInitrd(kroot: string, kver: string, out: string): void {
  const w = fs.mkdtempSync(path.join(os.tmpdir(), 'pv-initrd-'));
  try {
    busyboxRootfs(w);
    for (const d of ['sbin', 'proc', 'sys', 'dev', 'mnt', 'newroot', 'lib/modules'])
      fs.mkdirSync(path.join(w, d), { recursive: true });
    const modRoot = path.join(kroot, 'lib', 'modules', kver);
    const order = moduleLoadOrder(modRoot, MODULES);
    for (const f of order) {
      fs.mkdirSync(path.dirname(path.join(w, 'lib/modules', f)), { recursive: true });
      fs.copyFileSync(path.join(modRoot, f), path.join(w, 'lib/modules', f));
    }
    fs.writeFileSync(path.join(w, 'etc', 'modules-load'), order.join('\n') + '\n');
    fs.writeFileSync(path.join(w, 'init'), INIT, { mode: 0o755 });
    const list = run('find', ['.'], w);
    const cpio = execFileSync('busybox', ['cpio', '-o', '-H', 'newc'], {
      cwd: w,
      input: list,
      maxBuffer: 256 * 1024 * 1024,
      stdio: ['pipe', 'pipe', 'ignore'],
    });
    fs.writeFileSync(
      out + '.tmp',
      execFileSync('gzip', ['-1'], { input: cpio, maxBuffer: 256 * 1024 * 1024 }),
    );
    fs.renameSync(out + '.tmp', out);
  } finally {
    fs.rmSync(w, { recursive: true, force: true });
  }
}

function buildDisk(out: string): void {
  const w = fs.mkdtempSync(path.join(os.tmpdir(), 'pv-disk-'));
  try {
    busyboxRootfs(w);
    for (const d of ['sbin', 'proc', 'sys', 'dev', 'www']) fs.mkdirSync(path.join(w, d), { recursive: true });
    fs.writeFileSync(path.join(w, 'sbin', 'init'), DISK_INIT, { mode: 0o755 });
    for (const [p, c] of Object.entries(DISK_FILES)) fs.writeFileSync(path.join(w, p), c);
    fs.rmSync(out + '.tmp', { force: true });
    run('mkfs.ext4', ['-q', '-F', '-L', 'pvguest', '-d', w, out + '.tmp', '64M']);
    fs.renameSync(out + '.tmp', out);
  } finally {
    fs.rmSync(w, { recursive: true, force: true });
  }
}

function newestCached(root: string): string | undefined {
  if (!fs.existsSync(root)) return undefined;
  return fs
    .readdirSync(root)
    .filter((d) => d.endsWith(`-f${FIXTURE_REVISION}`) && fs.existsSync(path.join(root, d, 'ready')))
    .sort()
    .pop()
    ?.replace(/-f\d+$/, '');
}

/**
 * Under TCG the guest's TSC runs at the host's rate; a microvm (no HPET/PM timer) calibrates it
 * only against the PIT, which fails on a busy host and hangs the boot. `tsc_early_khz` skips it.
 */
function hostTscKhzOf(): number | undefined {
  const m = /^cpu MHz\s*:\s*([\d.]+)/m.exec(fs.readFileSync('/proc/cpuinfo', 'utf8'));
  return m ? Math.round(Number(m[1]) * 1000) : undefined;
}

function fixture(dir: string, kver: string): GuestFixture {
  const tscKhz = hostTscKhzOf();
  return {
    kernelVersion: kver,
    kernel: path.join(dir, 'vmlinuz'),
    initrd: path.join(dir, 'initrd.gz'),
    disk: path.join(dir, 'disk.ext4'),
    diskFiles: DISK_FILES,
    cmdline: `console=ttyS0 panic=-1 quiet loglevel=1${tscKhz ? ` tsc_early_khz=${tscKhz}` : ''}`,
  };
}

/**
 * Builds (once) or returns the cached guest. Synchronous so it fits a mocha `before` hook;
 * give that hook `this.timeout(180_000)` for the first run.
 */
export function ensureGuest(): GuestFixture {
  const root = path.join(testCache, 'guest');
  // A fixture built in the last week is used without asking apt (which costs ~0.7 s); after
  // that, apt says which kernel is current and a new one gets its own cache entry.
  const cached = newestCached(root);
  const fresh =
    cached &&
    Date.now() - fs.statSync(path.join(root, `${cached}-f${FIXTURE_REVISION}`, 'ready')).mtimeMs <
      7 * 86400_000;
  const kver = fresh ? cached : (kernelPackage()?.replace(/^linux-image-/, '') ?? cached);
  if (!kver)
    throw new Error(
      'no guest kernel: `apt-cache depends linux-image-cloud-amd64` found nothing and none is cached',
    );
  const dir = path.join(root, `${kver}-f${FIXTURE_REVISION}`);
  if (fs.existsSync(path.join(dir, 'ready'))) return fixture(dir, kver);

  fs.mkdirSync(dir, { recursive: true });
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'pv-kernel-'));
  try {
    run('apt-get', ['download', `linux-image-${kver}`], work);
    const deb = fs.readdirSync(work).find((f) => f.endsWith('.deb'));
    if (!deb) throw new Error(`apt-get download linux-image-${kver} produced no .deb`);
    const kroot = path.join(work, 'root');
    run('dpkg-deb', ['-x', path.join(work, deb), kroot]);
    fs.copyFileSync(path.join(kroot, 'boot', `vmlinuz-${kver}`), path.join(dir, 'vmlinuz'));
    buildInitrd(kroot, kver, path.join(dir, 'initrd.gz'));
    buildDisk(path.join(dir, 'disk.ext4'));
    // Base images are only ever read by the suites (read-only mode documents it; root ignores it).
    fs.chmodSync(path.join(dir, 'disk.ext4'), 0o444);
    fs.writeFileSync(path.join(dir, 'ready'), new Date().toISOString() + '\n');
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
  return fixture(dir, kver);
}

/** Base QEMU arguments for the fixture on a `-M microvm` machine (no disk, no network). */
export function microvmArgs(g: GuestFixture, accel: 'kvm' | 'tcg', extraCmdline = ''): string[] {
  return [
    '-M',
    'microvm',
    '-accel',
    accel,
    '-cpu',
    accel === 'kvm' ? 'host' : 'max',
    '-smp',
    '1',
    '-m',
    '256',
    '-nodefaults',
    '-no-user-config',
    '-display',
    'none',
    '-no-reboot',
    '-kernel',
    g.kernel,
    '-initrd',
    g.initrd,
    '-append',
    `${g.cmdline} ${extraCmdline}`.trim(),
  ];
}
