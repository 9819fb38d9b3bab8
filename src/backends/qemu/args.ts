/**
 * QEMU's argument list for a spec: a pure function, so it is unit-tested without QEMU.
 * Paths never contain "," (rejected by the spec parser), which QEMU's option syntax would split on.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { Acceleration } from './accel';
import { SAVED_STATE, type VmPaths } from './paths';
import type { VmSpec } from './spec';

/**
 * The host's TSC rate in kHz. Under TCG the guest's TSC runs at the host's rate, and a microvm
 * (no HPET/ACPI PM timer) calibrates it only against the PIT, which fails on a busy host
 * ("tsc: Unable to calibrate against PIT") and then hangs the boot. Passing
 * `tsc_early_khz` skips that calibration.
 */
export function hostTscKhz(cpuinfo = safeRead('/proc/cpuinfo')): number | undefined {
  const m = /^cpu MHz\s*:\s*([\d.]+)/m.exec(cpuinfo);
  return m ? Math.round(Number(m[1]) * 1000) : undefined;
}

function safeRead(f: string): string {
  try {
    return fs.readFileSync(f, 'utf8');
  } catch {
    return '';
  }
}

/** The kernel command line QEMU gets: the spec's, plus `tsc_early_khz` for TCG microvms (see hostTscKhz). */
export function effectiveCmdline(spec: VmSpec, accel: Acceleration, tscKhz = hostTscKhz()): string {
  const base = spec.cmdline ?? 'console=ttyS0';
  if (spec.machine !== 'microvm' || accel.accel !== 'tcg' || !tscKhz || /\btsc(_early_khz)?=/.test(base))
    return base;
  return `${base} tsc_early_khz=${tscKhz}`;
}

export interface ArgOptions {
  /** Start with the CPUs stopped (-S): the launcher connects QMP and the console, then `cont`. */
  readonly paused?: boolean;
  /** Restore the saved state (paths.savedState) instead of booting: see saveState.ts. */
  readonly incoming?: boolean;
}

/**
 * The `-incoming` source. QEMU 7.2 reads a file only through `exec:` (a shell command line), so
 * the line is a constant naming the file relative to QEMU's working folder, the VM's own: no
 * path or name ever enters it.
 */
export const INCOMING_URI = `exec:cat ${SAVED_STATE}`;

export function resolveIn(dir: string, p: string): string {
  return path.isAbsolute(p) ? p : path.join(dir, p);
}

export function qemuArgs(spec: VmSpec, paths: VmPaths, accel: Acceleration, opts: ArgOptions = {}): string[] {
  const micro = spec.machine === 'microvm';
  // microvm's virtio-mmio is legacy, which virtiofsd (vhost-user) refuses, and forcing modern
  // mmio hangs virtio-net here; with shared folders a microvm gets a PCIe bus instead.
  const pcie = micro && spec.shares.length > 0;
  const dev = (kind: string) => (micro && !pcie ? `${kind}-device` : `${kind}-pci`);
  const a: string[] = [
    '-name',
    `guest=${spec.name},process=pv-${spec.name}`.slice(0, 200),
    '-machine',
    pcie ? 'microvm,pcie=on' : spec.machine,
    '-accel',
    accel.accel,
    '-cpu',
    accel.cpuModel,
    '-smp',
    String(spec.cpus),
    '-m',
    String(spec.memoryMiB),
    '-nodefaults',
    '-no-user-config',
    '-display',
    'none',
    '-qmp',
    `unix:${paths.qmpSock},server=on,wait=off`,
    '-chardev',
    `socket,id=ser0,path=${paths.serialSock},server=on,wait=off,logfile=${paths.serialLog},logappend=on`,
    '-serial',
    'chardev:ser0',
    '-pidfile',
    paths.pidfile,
  ];
  if (opts.paused) a.push('-S');
  if (opts.incoming) a.push('-incoming', INCOMING_URI);
  if (spec.kernel) {
    a.push('-kernel', resolveIn(paths.dir, spec.kernel));
    if (spec.initrd) a.push('-initrd', resolveIn(paths.dir, spec.initrd));
    a.push('-append', effectiveCmdline(spec, accel));
  }
  spec.disks.forEach((d, i) => {
    a.push(
      '-drive',
      `file=${resolveIn(paths.dir, d.file)},format=${d.format},if=none,id=disk${i}${d.readOnly ? ',readonly=on' : ''}`,
    );
    // With -kernel, QEMU's linuxboot option ROM holds boot index 0: a disk may not claim it.
    a.push('-device', `${dev('virtio-blk')},drive=disk${i}${micro || spec.kernel ? '' : `,bootindex=${i}`}`);
  });
  const cds: Array<[string, string]> = [];
  if (spec.cdrom) cds.push(['cd0', resolveIn(paths.dir, spec.cdrom)]);
  // A VM that boots a kernel directly gets its seed as a virtio disk: a lean kernel may have no
  // AHCI (Debian's cloud kernel has none), and cloud-init finds the "cidata" label on any disk.
  const seedOnVirtio = !micro && !!spec.kernel && !!spec.seed;
  if (spec.seed && !seedOnVirtio) cds.push(['seed', resolveIn(paths.dir, spec.seed)]);
  if (spec.seed && seedOnVirtio) {
    a.push('-drive', `file=${resolveIn(paths.dir, spec.seed)},format=raw,if=none,id=seed,readonly=on`);
    a.push('-device', `${dev('virtio-blk')},drive=seed`);
  }
  for (const [id, file] of cds) {
    a.push('-drive', `file=${file},format=raw,if=none,id=${id},readonly=on${micro ? '' : ',media=cdrom'}`);
    // After the disks in boot order: an empty disk falls through to the installer.
    a.push(
      '-device',
      micro
        ? `${dev('virtio-blk')},drive=${id}`
        : `ide-cd,drive=${id}${id === 'cd0' ? `,bootindex=${spec.disks.length}` : ''}`,
    );
  }
  if (spec.network.mode === 'user') {
    // Forwards bind 127.0.0.1 only: a VM's services are never exposed to the network by us.
    const fwd = spec.network.forwards
      .map((f) => `,hostfwd=${f.proto}:127.0.0.1:${f.host}-:${f.guest}`)
      .join('');
    a.push('-netdev', `user,id=net0${fwd}`, '-device', `${dev('virtio-net')},netdev=net0`);
  }
  if (spec.shares.length) {
    // vhost-user-fs needs guest RAM shared with virtiofsd.
    a.push(
      '-object',
      `memory-backend-memfd,id=mem,size=${spec.memoryMiB}M,share=on`,
      '-machine',
      'memory-backend=mem',
    );
    spec.shares.forEach((s, i) => {
      a.push(
        '-chardev',
        `socket,id=fs${i},path=${paths.shareSock(s.tag)}`,
        '-device',
        `${dev('vhost-user-fs')},chardev=fs${i},tag=${s.tag}`,
      );
    });
  }
  if (spec.channels?.length) {
    a.push('-device', `${dev('virtio-serial')},id=vser0`);
    spec.channels.forEach((name, i) => {
      a.push(
        '-chardev',
        `socket,id=ch${i},path=${paths.channelSock(name)},server=on,wait=off`,
        '-device',
        `virtserialport,bus=vser0.0,chardev=ch${i},name=${name}`,
      );
    });
  }
  if (spec.display === 'vnc') {
    // std VGA: the guest's text console and any framebuffer land in it; QEMU serves it over VNC
    // on a unix socket only (the viewer's bridge is the one way in). A USB tablet gives the
    // pointer absolute positions, so the viewer's cursor and the guest's agree.
    a.push('-vga', 'std', '-vnc', `unix:${paths.vncSock}`);
    a.push('-device', 'qemu-xhci,id=usb0', '-device', 'usb-tablet,bus=usb0.0');
  }
  if (!micro) a.push('-device', 'virtio-rng-pci');
  return a;
}
