/**
 * Engine VMs, measured in one run (TCG here; the accelerator is printed):
 *  1. a cold boot, phase by phase: start → the kernel reaches our init (first "PV-ENGINE: init"
 *     line on the console) → the init is done (PODVISOR-ENGINE-BOOTED) → the guest agent answers
 *     on the channel → the Engine API answers (/_ping through the VM's docker.sock);
 *  2. a saved engine VM resumed: start (restore the memory file) → the guest runs → the Engine
 *     API answers; as a ratio to the cold boot (goal: the API answers ≤ 1 s after the resume);
 *  3. `docker run --rm` of a small image inside the engine VM (through its socket) against the
 *     host's engine (the private dockerd of the run), alternating runs.
 * No pass/fail on absolute times.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { VmStore } from '../src/backends/qemu';
import { EngineVms, pingEngine } from '../src/backends/qemu/engine/engines';
import { engineVmRequest } from '../src/backends/qemu/engine/engineVm';
import type { EngineImage } from '../src/backends/qemu/engine/image';
import { busyboxRootfs, dockerAsync } from '../test/harness/images';

const COLD = Number(process.env.PODVISOR_BENCH_ENGINE_COLD ?? 2);
const RESUMES = Number(process.env.PODVISOR_BENCH_ENGINE_RESUMES ?? 3);
const RUNS = Number(process.env.PODVISOR_BENCH_ENGINE_RUNS ?? 5);
const IMG = 'pv-bench/busybox:1';

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}
const fmt = (xs: number[]) => xs.map((x) => (x / 1000).toFixed(2)).join(', ');

async function untilPing(sock: string): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if (await pingEngine(sock, 60_000)) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error('the Engine API never answered');
}

async function importBusybox(host: string): Promise<void> {
  const rootfs = fs.mkdtempSync(path.join(os.tmpdir(), 'pv-bench-img-'));
  try {
    busyboxRootfs(rootfs);
    const tar = execFileSync('tar', ['-C', rootfs, '-c', '.'], { maxBuffer: 64 * 1024 * 1024 });
    await dockerAsync(host, ['import', '-c', 'CMD ["/bin/sh"]', '-', IMG], tar);
  } finally {
    fs.rmSync(rootfs, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const imgEnv = process.env.PODVISOR_TEST_ENGINE_IMAGE;
  const accel = process.env.PODVISOR_TEST_ACCEL;
  if (!imgEnv || (accel !== 'tcg' && accel !== 'kvm')) {
    console.log(
      `\nengine-vm bench: SKIPPED — ${process.env.PODVISOR_TEST_WHY_NO_ENGINE_IMAGE ?? process.env.PODVISOR_TEST_WHY_NO_QEMU ?? 'no engine image'}`,
    );
    return;
  }
  const image = JSON.parse(imgEnv) as EngineImage;
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'pv-enginebench-'));
  const store = new VmStore(home, { accelerator: accel, cpuModel: 'auto' });
  const engines = new EngineVms(store);
  const name = 'bench-engine';
  const pids: number[] = [];
  try {
    await store.create(engineVmRequest({ name, image }));
    const sock = store.paths(name).engineSock;
    const phases = {
      init: [] as number[],
      booted: [] as number[],
      agent: [] as number[],
      api: [] as number[],
    };
    for (let i = 0; i < COLD; i++) {
      const t0 = performance.now();
      const h = await store.start(name);
      pids.push(h.pid);
      const at = (re: RegExp) => h.serial.waitFor(re, 600_000, 0).then(() => performance.now() - t0);
      const agent = new Promise<number>((r) => {
        const check = () => {
          if (!engines.info(name).agent) return;
          off();
          r(performance.now() - t0);
        };
        const off = engines.onChange((n) => n === name && check());
        check();
      });
      const [init, booted] = await Promise.all([at(/PV-ENGINE: init/), at(/PODVISOR-ENGINE-BOOTED/)]);
      await engines.waitReady(name, 600_000);
      const api = performance.now() - t0;
      phases.init.push(init);
      phases.booted.push(booted);
      phases.api.push(api);
      phases.agent.push(await Promise.race([agent, Promise.resolve(Number.NaN)]));
      if (i < COLD - 1) {
        await store.shutdown(name, 120_000);
      }
    }
    console.log(`\nEngine VM cold boot, phase by phase (${accel}; q35, 2 vCPU, 1024 MiB; ${COLD} boots)`);
    console.log('| phase (from start) | runs (s) | median (s) |');
    console.log('| --- | --- | --- |');
    console.log(
      `| kernel reaches the init | ${fmt(phases.init)} | ${(median(phases.init) / 1000).toFixed(2)} |`,
    );
    console.log(
      `| init done (dockerd started) | ${fmt(phases.booted)} | ${(median(phases.booted) / 1000).toFixed(2)} |`,
    );
    console.log(
      `| guest agent answers on the channel | ${fmt(phases.agent)} | ${(median(phases.agent) / 1000).toFixed(2)} |`,
    );
    console.log(`| Engine API answers | ${fmt(phases.api)} | ${(median(phases.api) / 1000).toFixed(2)} |`);

    // 3 (done while the engine runs): docker run inside the VM vs on the host engine.
    const hostEngine = process.env.PODVISOR_TEST_DOCKER_HOST;
    const vmHost = `unix://${sock}`;
    let runRatio: string | undefined;
    if (hostEngine) {
      await importBusybox(vmHost);
      await importBusybox(hostEngine);
      const inVm: number[] = [];
      const onHost: number[] = [];
      const once = async (host: string) => {
        const t = performance.now();
        await dockerAsync(host, ['run', '--rm', IMG, 'true']);
        return performance.now() - t;
      };
      await once(vmHost);
      await once(hostEngine);
      for (let i = 0; i < RUNS; i++) {
        inVm.push(await once(vmHost));
        onHost.push(await once(hostEngine));
      }
      console.log(
        `\n\`docker run --rm ${IMG} true\` (${RUNS} runs each, alternating; docker CLI on the host)`,
      );
      console.log('| engine | runs (s) | median (s) |');
      console.log('| --- | --- | --- |');
      console.log(
        `| inside the engine VM (${accel}), via its socket | ${fmt(inVm)} | ${(median(inVm) / 1000).toFixed(2)} |`,
      );
      console.log(`| the host's engine | ${fmt(onHost)} | ${(median(onHost) / 1000).toFixed(2)} |`);
      runRatio = (median(inVm) / median(onHost)).toFixed(2);
      console.log(`ratio engine VM / host = ${runRatio}`);
    } else console.log('\n(docker run comparison skipped: no host engine in this run)');

    // 2. save and resume
    const save: number[] = [];
    const bytes: number[] = [];
    const restore: number[] = [];
    const apiAfterCont: number[] = [];
    const total: number[] = [];
    for (let i = 0; i < RESUMES; i++) {
      let t = performance.now();
      const s = await store.save(name);
      save.push(performance.now() - t);
      bytes.push(s.bytes);
      t = performance.now();
      const h = await store.start(name, { paused: true });
      pids.push(h.pid);
      const loaded = performance.now();
      restore.push(loaded - t);
      await store.resume(name);
      await untilPing(sock);
      const answered = performance.now();
      apiAfterCont.push(answered - loaded);
      total.push(answered - t);
      await engines.waitReady(name, 60_000);
    }
    const cold = median(phases.api);
    console.log(
      `\nSaved engine VM resumed (${RESUMES} save/resume cycles; memory file ${(median(bytes) / 1048576).toFixed(0)} MiB)`,
    );
    console.log('| step | runs (s) | median (s) |');
    console.log('| --- | --- | --- |');
    console.log(
      `| save (stop, migrate to file, quit) | ${fmt(save)} | ${(median(save) / 1000).toFixed(2)} |`,
    );
    console.log(
      `| restore the memory file (QEMU start → paused guest) | ${fmt(restore)} | ${(median(restore) / 1000).toFixed(2)} |`,
    );
    console.log(
      `| guest continues → Engine API answers | ${fmt(apiAfterCont)} | ${(median(apiAfterCont) / 1000).toFixed(2)} |`,
    );
    console.log(
      `| start → Engine API answers (what the user waits) | ${fmt(total)} | ${(median(total) / 1000).toFixed(2)} |`,
    );
    console.log(
      `ratio resume/cold boot (start → API answers) = ${(median(total) / cold).toFixed(3)}; API answers ${(median(apiAfterCont) / 1000).toFixed(2)} s after the guest resumes (goal ≤ 1 s)`,
    );
    if (runRatio) console.log(`docker run ratio engine VM / host = ${runRatio}`);
  } finally {
    engines.dispose();
    for (const p of pids) {
      try {
        process.kill(p, 'SIGKILL');
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
