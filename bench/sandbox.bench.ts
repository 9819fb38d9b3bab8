/**
 * Sandboxes: command → first shell prompt in the attached terminal, against the bare equivalent
 * measured in the same run, for every isolation level available here.
 *   container / gVisor: Podvisor's launch (checks, create hardened, start, user lookup) + a TTY
 *     exec of the shell, until its prompt arrives — vs `docker run -it --rm --runtime R IMAGE sh`
 *     in a pty (`script`), until its prompt arrives. Same image, same runtime.
 *   microVM: Podvisor's launch (image disk cached, overlay, per-sandbox initramfs, QEMU through
 *     the qemu backend with QMP + virtiofsd for the workspace, boot) until the console prompt —
 *     vs the bare QEMU command (same kernel, initramfs and disk, -serial stdio, no QMP, no
 *     virtiofs) until the same prompt.
 * Targets: ≤ 20 % over bare for container and gVisor; microVM ≤ 1.5× bare QEMU. Prints medians,
 * ratios and Podvisor's phase breakdown; never pass/fail on absolute times.
 */
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { hostTscKhz } from '../src/backends/qemu/args';
import { silentLogger } from '../src/common/log';
import { ContainerSandboxes } from '../src/sandbox/containerLauncher';
import { DockerClient } from '../src/backends/docker/client';
import { imageSpec } from '../src/sandbox/imageSource';
import { MicroVmSandboxes } from '../src/sandbox/microvm/microvms';
import { ensureInitramfs, SANDBOX_UP } from '../src/sandbox/microvm/initramfs';
import { resolveKernel } from '../src/backends/qemu/kernel';
import { ensureRootDisk } from '../src/sandbox/microvm/rootDisk';
import type { PhaseTiming, SandboxSpec } from '../src/sandbox/types';
import { dockerCli, ensureBusyboxImage } from '../test/harness/images';
import { median } from './lib/stats';

const HOST = process.env.PODVISOR_TEST_DOCKER_HOST;
const RUNTIMES = (process.env.PODVISOR_TEST_RUNTIMES ?? 'runc').split(',');
const REPS = Number(process.env.PODVISOR_BENCH_REPS ?? 5);
const VM_REPS = Number(process.env.PODVISOR_BENCH_VM_REPS ?? 3);
const CACHE = path.join(
  process.env.PODVISOR_TEST_CACHE ?? path.join(__dirname, '..', '..', '.cache', 'test'),
  'sandbox',
);
// busybox ash asks for the cursor position (ESC [6n) right after its prompt, and clears to the end
// of the screen (ESC [J) when it redraws the prompt after a resize.
const PROMPT = /[#$] (?:\x1b\[6n)?(?:\x1b\[J)?$/;

const fmt = (x: number) => `${x.toFixed(0)} ms`;

/** `docker run -it` needs a TTY: `script` gives it a pty, as a terminal would. Resolves at the first prompt. */
function bareDockerRun(image: string, runtime: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const cmd = [dockerCli, '-H', HOST!, 'run', '-it', '--rm', '--runtime', runtime, image, '/bin/sh'].join(
      ' ',
    );
    const p = spawn('script', ['-qec', cmd, '/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let done = false;
    const t = setTimeout(() => {
      p.kill('SIGKILL');
      reject(new Error(`no prompt: ${out}`));
    }, 60_000);
    p.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (!done && PROMPT.test(out)) {
        done = true;
        const ms = performance.now() - t0;
        p.stdin.write('exit\n');
        p.once('exit', () => {
          clearTimeout(t);
          resolve(ms);
        });
      }
    });
  });
}

async function ourContainer(
  sbx: ContainerSandboxes,
  spec: SandboxSpec,
  level: 'container' | 'gvisor',
  runtime: string,
): Promise<{ ms: number; timings: readonly PhaseTiming[] }> {
  const t0 = performance.now();
  const report = await sbx.launch(spec, level, runtime, { log: silentLogger });
  const s = await sbx.attach(spec.name, { cols: 120, rows: 30 });
  await new Promise<void>((resolve, reject) => {
    let out = '';
    const t = setTimeout(() => {
      s.stream.destroy();
      reject(new Error(`no prompt: ${JSON.stringify(out)}`));
    }, 60_000);
    s.stream.on('data', (d: Buffer) => {
      out += d.toString();
      if (PROMPT.test(out)) {
        clearTimeout(t);
        resolve();
      }
    });
  });
  const ms = performance.now() - t0;
  s.stream.destroy();
  // The attach (exec + shell to its prompt) shows as its own phase.
  return {
    ms,
    timings: [...report.timings, { phase: 'attach', ms: ms - report.timings.reduce((a, t) => a + t.ms, 0) }],
  };
}

function bareQemu(kernel: string, initrd: string, disk: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    // The same machine as ours (a microvm with PCIe, as the qemu backend makes it when a folder
    // is shared) and the TSC hint TCG microvms need, but no QMP, no virtiofs, no overlay.
    const khz = hostTscKhz();
    const p = spawn(
      'qemu-system-x86_64',
      [
        '-machine',
        'microvm,pcie=on',
        '-accel',
        'tcg',
        '-cpu',
        'max',
        '-smp',
        '1',
        '-m',
        '512',
        '-nodefaults',
        '-no-user-config',
        '-display',
        'none',
        '-serial',
        'stdio',
        '-kernel',
        kernel,
        '-initrd',
        initrd,
        '-append',
        `console=ttyS0 panic=-1 quiet loglevel=1${khz ? ` tsc_early_khz=${khz}` : ''}`,
        '-drive',
        `file=${disk},format=raw,if=none,id=d0,snapshot=on`,
        '-device',
        'virtio-blk-pci,drive=d0',
        '-netdev',
        'user,id=n0',
        '-device',
        'virtio-net-pci,netdev=n0',
      ],
      { stdio: ['pipe', 'pipe', 'pipe'] },
    );
    let out = '';
    let up = false;
    const t = setTimeout(() => {
      p.kill('SIGKILL');
      reject(new Error(`bare QEMU: no prompt: ${out.slice(-300)}`));
    }, 180_000);
    p.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (!up && out.includes(SANDBOX_UP)) up = true;
      if (up && PROMPT.test(out.slice(out.indexOf(SANDBOX_UP)))) {
        const ms = performance.now() - t0;
        clearTimeout(t);
        p.once('exit', () => resolve(ms));
        p.kill('SIGKILL');
      }
    });
  });
}

function phaseTable(all: Array<readonly PhaseTiming[]>): string {
  const phases = [...new Set(all.flatMap((t) => t.map((x) => x.phase)))];
  return phases
    .map(
      (p) =>
        `${p} ${fmt(median(all.map((t) => t.filter((x) => x.phase === p).reduce((a, x) => a + x.ms, 0))))}`,
    )
    .join(' · ');
}

async function main(): Promise<void> {
  if (!HOST) {
    console.log('sandbox bench: SKIPPED (no PODVISOR_TEST_DOCKER_HOST)');
    return;
  }
  const image = ensureBusyboxImage(HOST);
  const engine = new DockerClient({ host: HOST });
  const sbx = new ContainerSandboxes(engine);
  const ws = fs.mkdtempSync(path.join(os.tmpdir(), 'pv-sbx-bench-ws-'));
  const rows: string[][] = [];
  const levels: Array<['container' | 'gvisor', string]> = [['container', 'runc']];
  if (RUNTIMES.includes('runsc')) levels.push(['gvisor', 'runsc']);
  try {
    for (const [level, runtime] of levels) {
      await bareDockerRun(image, runtime); // warm the runtime and page cache once, for both sides
      const ours: number[] = [];
      const bare: number[] = [];
      const phases: Array<readonly PhaseTiming[]> = [];
      for (let i = 0; i < REPS; i++) {
        const spec = { ...imageSpec(image, ws), name: `bench-${level}-${process.pid}-${i}` };
        // Alternate which side goes first so drift on a shared machine hits both.
        if (i % 2) bare.push(await bareDockerRun(image, runtime));
        const r = await ourContainer(sbx, spec, level, runtime);
        ours.push(r.ms);
        phases.push(r.timings);
        await sbx.remove(spec.name);
        if (!(i % 2)) bare.push(await bareDockerRun(image, runtime));
      }
      const ratio = median(ours) / median(bare);
      rows.push([
        level,
        fmt(median(ours)),
        fmt(median(bare)),
        `${ratio.toFixed(2)}×`,
        ratio <= 1.2 ? 'within 20 %' : 'OVER 20 %',
        phaseTable(phases),
      ]);
    }

    // microVM
    if (VM_REPS > 0 && fs.existsSync('/usr/bin/qemu-system-x86_64')) {
      const home = fs.mkdtempSync(path.join(os.tmpdir(), 'pv-sbx-bench-vms-'));
      try {
        const vms = new MicroVmSandboxes(engine, { home, cacheDir: CACHE, kernel: '' });
        const kernel = await resolveKernel('', CACHE);
        const initrd = await ensureInitramfs(kernel, CACHE);
        const disk = await ensureRootDisk(engine, image, 'bench', path.join(CACHE, 'disks'));
        const ours: number[] = [];
        const bare: number[] = [];
        const phases: Array<readonly PhaseTiming[]> = [];
        for (let i = 0; i < VM_REPS; i++) {
          if (i % 2) bare.push(await bareQemu(kernel.vmlinuz, initrd, disk.file));
          const spec = { ...imageSpec(image, ws), name: `bench-vm-${process.pid}-${i}` };
          const t0 = performance.now();
          const r = await vms.launch(spec, 'microvm', '', { log: silentLogger });
          ours.push(performance.now() - t0);
          phases.push(r.timings);
          await vms.remove(spec.name);
          if (!(i % 2)) bare.push(await bareQemu(kernel.vmlinuz, initrd, disk.file));
        }
        const ratio = median(ours) / median(bare);
        rows.push([
          'microvm (tcg)',
          fmt(median(ours)),
          fmt(median(bare)),
          `${ratio.toFixed(2)}×`,
          ratio <= 1.5 ? 'within 1.5×' : 'OVER 1.5×',
          phaseTable(phases),
        ]);
      } finally {
        fs.rmSync(home, { recursive: true, force: true });
      }
    }
  } finally {
    fs.rmSync(ws, { recursive: true, force: true });
  }
  console.log(
    `\nsandbox: command → first prompt in the attached terminal (median of ${REPS}; microVM ${VM_REPS})`,
  );
  const head = ['level', 'Podvisor', 'bare', 'ratio', 'target', 'Podvisor phases (median)'];
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]?.length ?? 0)));
  for (const r of [head, ...rows])
    console.log(r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(w[i] ?? 0))).join('  '));
  console.log(
    'bare = `docker run -it --rm --runtime R IMAGE /bin/sh` in a pty / the bare QEMU command with the same kernel, initramfs and disk',
  );
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
