/**
 * VM boot and the VM section's refresh, measured in the same run:
 *  1. time from Podvisor's "start" (VmStore.start) to the guest's marker on the serial console,
 *     against the bare `qemu-system-x86_64` with the same machine, kernel, initramfs, command
 *     line, devices and accelerator, printing to stdio. Runs alternate to share the machine's
 *     load fairly; medians and the ratio are printed (target: overhead ≤ 10%).
 *  2. listing 50 defined VMs (what a section refresh reads): cold (fresh store) and warm,
 *     against the 50 ms budget.
 * No pass/fail on absolute times.
 */
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { QEMU_BINARY, VmStore, probeKvm, qemuArgs, resolveAcceleration, vmPaths } from '../src/backends/qemu';
import { ensureGuest, GUEST_MARKER } from '../test/harness/guest';

const RUNS = Number(process.env.PODVISOR_BENCH_VM_RUNS ?? 4);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

/** The bare command: Podvisor's exact QEMU arguments minus QMP/console socket/pidfile, console on stdio. */
function bareArgs(args: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const v = args[i + 1] ?? '';
    if (
      a === '-qmp' ||
      a === '-pidfile' ||
      (a === '-chardev' && v.startsWith('socket,id=ser0')) ||
      (a === '-serial' && v === 'chardev:ser0')
    ) {
      i++;
      continue;
    }
    out.push(a);
  }
  return [...out, '-serial', 'stdio'];
}

function bareBoot(args: string[], timeoutMs = 180_000): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const p = spawn(QEMU_BINARY, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let buf = '';
    let err = '';
    const timer = setTimeout(() => {
      p.kill('SIGKILL');
      reject(new Error(`bare QEMU: no marker within ${timeoutMs} ms: ${buf.slice(-200)} ${err}`));
    }, timeoutMs);
    p.stderr.on('data', (d: Buffer) => (err += d.toString()));
    p.stdout.on('data', (d: Buffer) => {
      buf += d.toString('utf8');
      if (buf.includes(GUEST_MARKER)) {
        const ms = performance.now() - t0;
        clearTimeout(timer);
        p.once('exit', () => resolve(ms));
        p.kill('SIGKILL');
      }
    });
    p.once('exit', (code) => {
      clearTimeout(timer);
      if (!buf.includes(GUEST_MARKER))
        reject(new Error(`bare QEMU exited (${code}) before the marker: ${err}`));
    });
  });
}

async function main(): Promise<void> {
  if (!fs.existsSync('/usr/bin/qemu-system-x86_64')) {
    console.log(
      '\nvm-boot bench: SKIPPED — qemu-system-x86_64 is not installed (Debian package qemu-system-x86)',
    );
    return;
  }
  const guest = ensureGuest();
  const probe = await probeKvm();
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'pv-vmbench-'));
  const store = new VmStore(home, { accelerator: 'auto', cpuModel: 'auto' });
  const started: number[] = [];
  try {
    // 1. boot to marker
    const spec = await store.create({
      name: 'bench',
      memoryMiB: 256,
      source: { kind: 'kernel', kernel: guest.kernel, initrd: guest.initrd, cmdline: guest.cmdline },
    });
    const accel = resolveAcceleration('auto', 'auto', probe);
    const bare = bareArgs(qemuArgs(spec, vmPaths(path.join(home, 'bench')), accel));
    const pv: number[] = [];
    const bb: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const t0 = performance.now();
      const h = await store.start('bench');
      started.push(h.pid);
      await h.serial.waitFor(GUEST_MARKER, 180_000);
      pv.push(performance.now() - t0);
      h.kill();
      await h.exited;
      bb.push(await bareBoot(bare));
    }
    const mp = median(pv);
    const mb = median(bb);
    console.log(
      `\nVM boot to "${GUEST_MARKER}" on the serial console (${accel.accel}${accel.accel === 'tcg' ? `: ${probe.why}` : ''}; microvm, 1 vCPU, 256 MiB; ${RUNS} runs each, alternating)`,
    );
    console.log('| path | runs (ms) | median (ms) |');
    console.log('| --- | --- | --- |');
    console.log(
      `| Podvisor VmStore.start → marker | ${pv.map((x) => x.toFixed(0)).join(', ')} | ${mp.toFixed(0)} |`,
    );
    console.log(
      `| bare qemu-system-x86_64 → marker | ${bb.map((x) => x.toFixed(0)).join(', ')} | ${mb.toFixed(0)} |`,
    );
    console.log(
      `ratio Podvisor/bare = ${(mp / mb).toFixed(3)} (overhead ${(((mp - mb) / mb) * 100).toFixed(1)}%; target ≤ 10%)`,
    );

    // 2. 50 VMs listed
    await store.delete('bench');
    const N = 50;
    for (let i = 0; i < N; i++) {
      await store.create({
        name: `vm-${String(i).padStart(2, '0')}`,
        source: { kind: 'kernel', kernel: guest.kernel, initrd: guest.initrd },
        forwards: [{ host: 20000 + i, guest: 22, proto: 'tcp' }],
      });
    }
    const cold: number[] = [];
    const warm: number[] = [];
    for (let i = 0; i < 7; i++) {
      const s = new VmStore(home, { accelerator: 'auto', cpuModel: 'auto' });
      let t = performance.now();
      const n = s.list().length;
      cold.push(performance.now() - t);
      if (n !== N) throw new Error(`listed ${n} VMs, expected ${N}`);
      t = performance.now();
      s.list();
      warm.push(performance.now() - t);
      s.dispose();
    }
    const mc = median(cold);
    const mw = median(warm);
    console.log(`\nVM section refresh with ${N} VMs defined (list + state of each; 7 runs)`);
    console.log('| refresh | median (ms) | vs 50 ms budget |');
    console.log('| --- | --- | --- |');
    console.log(
      `| cold (fresh store: read + validate ${N} spec.json) | ${mc.toFixed(2)} | ${(mc / 50).toFixed(3)} |`,
    );
    console.log(
      `| warm (specs cached by mtime; what an event-driven refresh costs) | ${mw.toFixed(2)} | ${(mw / 50).toFixed(3)} |`,
    );
    console.log(`ratio warm/cold = ${(mw / mc).toFixed(3)}`);
  } finally {
    for (const pid of started) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    store.dispose();
    fs.rmSync(home, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
