/**
 * Containers: Podvisor's listing and live updates against the engine's own call and against
 * the docker CLI path that Container Tools uses, side by side in one run, on the test engine
 * (PODVISOR_TEST_DOCKER_HOST). Creates 500, then 2,000 containers (created, not started) from
 * one locally built image with a bounded pool, and removes them afterwards.
 *   (a) full listing: Podvisor (dockerode list + parse + group/sort + tree-item mapping of every
 *       container) vs the engine's GET /containers/json?all=1 alone (raw HTTP, body read) vs
 *       `docker container ls -a --format '{{json .}}'` + parse (Container Tools' way; Debian's
 *       docker 20.10 predates `--format json`, which prints the same lines)
 *   (b) one container changes state (pause/unpause): engine event → inspect that one → model
 *       patched and its item re-mapped, vs a CLI re-listing (what Container Tools runs after an event)
 *   (c) `docker stop` started → the section model shows the item stopped. Measured on the
 *       vscode-free section model subscribed to the real engine, NOT in the real view; the
 *       in-host suite (test/host/containers.test.ts) prints the real-view number.
 * Prints medians and ratios; no pass/fail on absolute times.
 */
import { execFile } from 'child_process';
import * as http from 'http';
import { promisify } from 'util';
import { DockerClient } from '../src/backends/docker/client';
import { ContainerStore, mapLimit } from '../src/backends/docker/store';
import { groupContainers, presentContainer } from '../src/backends/docker/present';
import { silentLogger } from '../src/common/log';
import { dockerCli as CLI, ensureBusyboxImage } from '../test/harness/images';
import { median } from './lib/stats';
import { at } from '../test/harness/pick';

const run = promisify(execFile);
const HOST = process.env.PODVISOR_TEST_DOCKER_HOST;
const LABEL = `podvisor.bench=${process.pid}`;
const SIZES = (process.env.PODVISOR_BENCH_SIZES ?? '500,2000').split(',').map(Number);
const REPS = Number(process.env.PODVISOR_BENCH_REPS ?? 15);

const ms = (x: number) => `${x.toFixed(x < 10 ? 2 : 1)} ms`;

/** The engine's own call: request, whole body received; `parse` adds JSON.parse (any client needs it). */
function rawList(socketPath: string, parse = false): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const req = http.request({ socketPath, path: '/containers/json?all=1', method: 'GET' }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        if (parse) JSON.parse(Buffer.concat(chunks).toString('utf8'));
        if (res.statusCode === 200) resolve(performance.now() - t0);
        else reject(new Error(`HTTP ${res.statusCode}`));
      });
    });
    req.on('error', reject);
    req.end();
  });
}

async function cliList(): Promise<{ ms: number; count: number }> {
  const t0 = performance.now();
  const { stdout } = await run(CLI, ['container', 'ls', '-a', '--format', '{{json .}}'], {
    env: { ...process.env, DOCKER_HOST: HOST },
    maxBuffer: 256 * 1024 * 1024,
  });
  const rows = stdout
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { ID: string; State?: string; Status: string });
  return { ms: performance.now() - t0, count: rows.length };
}

async function podvisorList(
  client: DockerClient,
  runtimes: ReadonlyMap<string, string>,
): Promise<{ ms: number; count: number }> {
  const t0 = performance.now();
  const list = await client.listContainers({ runtimes });
  const now = Date.now();
  let n = 0;
  for (const g of groupContainers(list, 'composeProject', 'name'))
    for (const c of g.containers) n += presentContainer(c, now).label.length > 0 ? 1 : 0;
  return { ms: performance.now() - t0, count: n };
}

async function ensureCount(client: DockerClient, img: string, target: number, have: number): Promise<number> {
  const todo = Array.from({ length: target - have }, (_, i) => have + i);
  const t0 = performance.now();
  await mapLimit(todo, 8, async (i) => {
    await client.api.createContainer({
      Image: img,
      Cmd: ['true'],
      name: `pvbench-${process.pid}-${i}`,
      Labels: { 'podvisor.bench': String(process.pid) },
    });
  });
  if (todo.length)
    console.log(
      `  created ${todo.length} containers in ${((performance.now() - t0) / 1000).toFixed(1)} s (pool of 8)`,
    );
  return target;
}

async function main(): Promise<void> {
  if (!HOST?.startsWith('unix://')) {
    console.log(
      'containers.bench: SKIPPED — needs PODVISOR_TEST_DOCKER_HOST=unix://… (a private test engine)',
    );
    return;
  }
  const socketPath = HOST.slice('unix://'.length);
  const img = ensureBusyboxImage(HOST);
  const client = new DockerClient({ host: HOST });
  // Leftovers of an interrupted run (any pid) go first.
  await client.pruneContainers({ labels: ['podvisor.bench'] });
  const rows: Array<[string, string, string, string]> = [];
  const ratios: string[] = [];
  let have = 0;
  let store: ContainerStore | undefined;
  try {
    for (const size of SIZES) {
      have = await ensureCount(client, img, size, have);
      // A model subscribed to the engine, hidden (no poll): it keeps itself current from events.
      store?.dispose();
      store = new ContainerStore(client, { log: silentLogger, safetyPollMs: 0 });
      const st = store;
      await st.start();
      await st.idle(); // runtimes resolved once; later listings reuse them (they never change per id)
      const total = st.containers.size;
      // (a) interleaved repetitions, medians
      const eng: number[] = [];
      const engParsed: number[] = [];
      const pv: number[] = [];
      const cli: number[] = [];
      // The order rotates every repetition, so no side always runs right after the CLI's process start.
      const steps: Array<() => Promise<void>> = [
        async () => void eng.push(await rawList(socketPath)),
        async () => void engParsed.push(await rawList(socketPath, true)),
        async () => void pv.push((await podvisorList(client, st.runtimes)).ms),
        async () => void cli.push((await cliList()).ms),
      ];
      for (let i = 0; i < REPS; i++)
        for (let k = 0; k < steps.length; k++) await at(steps, (i + k) % steps.length)();
      const [e, p, c] = [median(eng), median(pv), median(cli)];
      rows.push([
        `(a) full listing, ${total} containers`,
        `Podvisor ${ms(p)}`,
        `engine call ${ms(e)}`,
        `CLI ${ms(c)}`,
      ]);
      ratios.push(
        `(a) ${total}: Podvisor / engine call = ${(p / e).toFixed(2)} (target ≤ 1.20); Podvisor / (engine call + JSON.parse ${ms(median(engParsed))}) = ${(p / median(engParsed)).toFixed(2)}; CLI / Podvisor = ${(c / p).toFixed(2)}x`,
      );

      // (b) one state change: event → inspect one → patch (+ re-map that item)
      const runner = (
        await client.api.createContainer({
          Image: img,
          Cmd: ['sh', '-c', 'trap "exit 0" TERM; sleep 3600 & wait'],
          name: `pvbench-${process.pid}-run${size}`,
          Labels: { 'podvisor.bench': String(process.pid) },
        })
      ).id;
      await client.containerAction('start', runner);
      await waitFor(() => st.containers.get(runner)?.state === 'running', 5000);
      await st.idle();
      const lat: number[] = [];
      const relist: number[] = [];
      for (let i = 0; i < REPS; i++) {
        const want = i % 2 === 0 ? 'paused' : 'running';
        const done = new Promise<number>((resolve) => {
          const off = st.onChange((ch) => {
            const cur = st.containers.get(runner);
            if (
              ch.cause === 'event' &&
              ch.eventAt !== undefined &&
              cur?.state === want &&
              (ch.ids === 'all' || ch.ids.includes(runner))
            ) {
              presentContainer(cur, Date.now());
              off();
              resolve(performance.now() - ch.eventAt);
            }
          });
        });
        await client.containerAction(want === 'paused' ? 'pause' : 'unpause', runner);
        lat.push(await done);
        relist.push((await cliList()).ms);
      }
      const [b, r] = [median(lat), median(relist)];
      rows.push([
        `(b) one change, ${total} containers`,
        `Podvisor event→model ${ms(b)}`,
        '',
        `CLI re-listing ${ms(r)}`,
      ]);
      ratios.push(
        `(b) ${total}: CLI re-listing / Podvisor update = ${(r / b).toFixed(1)}x faster (target ≥ 20x)`,
      );

      // (c) `docker stop` → model shows it stopped (section model, not the real view)
      const e2e: number[] = [];
      for (let i = 0; i < 3; i++) {
        if (st.containers.get(runner)?.state !== 'running') {
          await client.containerAction(
            st.containers.get(runner)?.state === 'paused' ? 'unpause' : 'start',
            runner,
          );
          await waitFor(() => st.containers.get(runner)?.state === 'running', 5000);
        }
        await st.idle();
        const t0 = performance.now();
        const seen = waitFor(
          () =>
            st.containers.get(runner)?.state === 'stopped' &&
            presentContainer(st.containers.get(runner)!, Date.now()).contextValue === 'container.stopped',
          15_000,
        );
        const stop = run(CLI, ['stop', runner], { env: { ...process.env, DOCKER_HOST: HOST } });
        await seen;
        e2e.push(performance.now() - t0);
        await stop;
      }
      rows.push([
        `(c) docker stop → model item, ${total}`,
        `Podvisor ${ms(median(e2e))}`,
        '',
        '(section model in Node; real view: in-host test)',
      ]);
      ratios.push(`(c) ${total}: docker stop → updated item ${ms(median(e2e))} (target < 300 ms)`);
      await client.removeContainer(runner, { force: true });
    }
  } finally {
    store?.dispose();
    const t0 = performance.now();
    const r = await client.pruneContainers({ labels: [LABEL] });
    console.log(
      `  cleanup: removed ${r.removed.length} bench containers in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
    );
  }
  console.log('\ncontainers.bench (medians)');
  for (const row of rows)
    console.log(`  ${row[0].padEnd(40)} ${row[1].padEnd(30)} ${row[2].padEnd(22)} ${row[3]}`);
  console.log('\nratios');
  for (const r of ratios) console.log(`  ${r}`);
}

/** Polls a condition every 1 ms (cheap: reads the in-memory model). */
async function waitFor(cond: () => boolean, timeoutMs: number): Promise<void> {
  const t0 = performance.now();
  while (!cond()) {
    if (performance.now() - t0 > timeoutMs) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 1));
  }
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
