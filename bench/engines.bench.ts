/**
 * Several engines, the registry, container files: Podvisor against what a user would run, in
 * one run, on the harness's engines (private dockerd, private Podman, a second private dockerd
 * started here) and registry.
 *   (a) listing N containers (default 2,000) spread over three engines, asked in parallel, parsed,
 *       grouped and mapped to tree items, vs the slowest engine's own GET /containers/json alone
 *   (b) a 100 MB image pushed to / pulled from the local registry through Podvisor (Engine API,
 *       progress parsed) vs `docker push` / `docker pull` (fresh layers each round, alternated)
 *   (c) opening a 10 MB file of a container (ContainerFiles.read) vs `docker cp` to a temp dir
 * Prints medians and ratios; no pass/fail on absolute times.
 */
import { execFile, execFileSync } from 'child_process';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as http from 'http';
import * as os from 'os';
import * as path from 'path';
import { promisify } from 'util';
import { DockerClient } from '../src/backends/docker/client';
import { ContainerFiles } from '../src/backends/docker/files';
import { pullImage, pushImage } from '../src/backends/docker/imageOps';
import { mapLimit } from '../src/backends/docker/store';
import { groupContainers, presentContainer } from '../src/backends/docker/present';
import { startPrivateDockerd, stopPid } from '../test/harness/dockerd';
import { docker, dockerCli as CLI, ensureBusyboxImage } from '../test/harness/images';
import { median } from './lib/stats';

const run = promisify(execFile);
const HOST = process.env.PODVISOR_TEST_DOCKER_HOST;
const PODMAN = process.env.PODVISOR_TEST_PODMAN_HOST;
const REG = process.env.PODVISOR_TEST_REGISTRY
  ? (JSON.parse(process.env.PODVISOR_TEST_REGISTRY) as { address: string; user: string; password: string })
  : undefined;
const N = Number(process.env.PODVISOR_BENCH_ENGINES_N ?? 2000);
const REPS = Number(process.env.PODVISOR_BENCH_REPS ?? 9);
const LABEL = `podvisor.bench=${process.pid}`;
const ms = (x: number) => `${x.toFixed(x < 10 ? 2 : 1)} ms`;

function rawList(socketPath: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const req = http.request({ socketPath, path: '/containers/json?all=1', method: 'GET' }, (res) => {
      res.on('data', () => undefined);
      res.on('end', () =>
        res.statusCode === 200
          ? resolve(performance.now() - t0)
          : reject(new Error(`HTTP ${res.statusCode}`)),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

async function listing(): Promise<void> {
  if (!HOST || !PODMAN) return console.log('(a) skipped: needs the private dockerd and Podman');
  const dir = `/tmp/pv-bench-engine-${process.pid}`;
  const slot = Number(process.env.PODVISOR_TEST_SLOT ?? 0);
  const second = await startPrivateDockerd(dir, { bridge: `pvbb${slot}`, cidr: `10.236.${slot}.1/24` });
  const hosts = [HOST, PODMAN, second.host];
  try {
    const per = Math.ceil(N / hosts.length);
    await Promise.all(
      hosts.map(async (h) => {
        const img = ensureBusyboxImage(h);
        const c = new DockerClient({ host: h });
        await mapLimit([...Array(per).keys()], 8, async (i) => {
          await c.api.createContainer({
            Image: img,
            Cmd: ['true'],
            name: `pvb${process.pid}-${i}`,
            Labels: { 'podvisor.bench': String(process.pid) },
          });
        });
      }),
    );
    const clients = hosts.map((h) => new DockerClient({ host: h }));
    const socket = (h: string) => h.replace(/^unix:\/\//, '');
    const ours: number[] = [];
    const slowest: number[] = [];
    for (let r = 0; r < REPS; r++) {
      const t0 = performance.now();
      const lists = await Promise.all(clients.map((c) => c.listContainers()));
      const now = Date.now();
      for (const l of lists)
        for (const g of groupContainers(l, 'composeProject', 'name'))
          for (const c of g.containers) presentContainer(c, now);
      ours.push(performance.now() - t0);
      const raws = await Promise.all(hosts.map((h) => rawList(socket(h))));
      slowest.push(Math.max(...raws));
    }
    const total = (await Promise.all(clients.map((c) => c.listContainers()))).reduce(
      (s, l) => s + l.length,
      0,
    );
    console.log(`(a) ${total} containers over 3 engines (dockerd, Podman, dockerd), median of ${REPS}:`);
    console.log(`    Podvisor (3 engines in parallel, parsed, grouped, items): ${ms(median(ours))}`);
    console.log(`    slowest engine's own GET /containers/json:                ${ms(median(slowest))}`);
    console.log(`    ratio ${(median(ours) / median(slowest)).toFixed(2)}× (target ≤ 1.2×)`);
  } finally {
    for (const h of [HOST, PODMAN]) {
      const ids = docker(h, ['ps', '-aq', '--filter', `label=${LABEL}`])
        .split('\n')
        .filter(Boolean);
      for (let i = 0; i < ids.length; i += 200) docker(h, ['rm', '-f', ...ids.slice(i, i + 200)]);
    }
    stopPid(second.pid);
    for (const m of fs
      .readFileSync('/proc/mounts', 'utf8')
      .split('\n')
      .map((l) => l.split(' ')[1])
      .filter((m): m is string => !!m && m.startsWith(`${dir}/`))
      .reverse())
      try {
        execFileSync('umount', ['-l', m]);
      } catch {
        /* gone */
      }
    fs.rmSync(dir, { recursive: true, force: true });
    try {
      execFileSync('ip', ['link', 'del', `pvbb${slot}`]);
    } catch {
      /* gone */
    }
  }
}

async function registryTransfer(): Promise<void> {
  if (!HOST || !REG) return console.log('(b) skipped: needs the private dockerd and registry');
  const client = new DockerClient({ host: HOST });
  const img = ensureBusyboxImage(HOST);
  const cfgDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pv-bench-cfg-'));
  const env = { ...process.env, DOCKER_HOST: HOST, DOCKER_CONFIG: cfgDir };
  execFileSync(CLI, ['login', '-u', REG.user, '--password-stdin', REG.address], {
    env,
    input: REG.password,
    stdio: ['pipe', 'ignore', 'ignore'],
  });
  const auth = { username: REG.user, password: REG.password, serveraddress: REG.address };
  const ctx = fs.mkdtempSync(path.join(os.tmpdir(), 'pv-bench-ctx-'));
  const rounds = Math.max(3, Math.floor(REPS / 3));
  const t = {
    pushOurs: [] as number[],
    pushCli: [] as number[],
    pullOurs: [] as number[],
    pullCli: [] as number[],
  };
  try {
    for (let r = 0; r < rounds * 2; r++) {
      const mine = r % 2 === 0;
      const ref = `${REG.address}/pvbench/big${process.pid}-${r}:1`;
      // Fresh random 100 MB layer each round: nothing can be mounted or skipped.
      fs.writeFileSync(path.join(ctx, 'blob'), crypto.randomBytes(100 * 1024 * 1024));
      fs.writeFileSync(path.join(ctx, 'Dockerfile'), `FROM ${img}\nCOPY blob /blob\n`);
      docker(HOST, ['build', '-q', '-t', ref, ctx]);
      let t0 = performance.now();
      if (mine) await pushImage(client, ref, { auth });
      else await run(CLI, ['push', '-q', ref], { env });
      (mine ? t.pushOurs : t.pushCli).push(performance.now() - t0);
      docker(HOST, ['rmi', ref]);
      // BuildKit's cache keeps the layer's content: without this a pull finds it "already exists".
      docker(HOST, ['builder', 'prune', '-af']);
      t0 = performance.now();
      if (mine) await pullImage(client, ref, { auth });
      else await run(CLI, ['pull', '-q', ref], { env });
      (mine ? t.pullOurs : t.pullCli).push(performance.now() - t0);
      docker(HOST, ['rmi', ref]);
    }
    console.log(
      `(b) 100 MB image to/from the local registry (TLS, htpasswd), median of ${rounds} each, alternated:`,
    );
    console.log(
      `    push: Podvisor ${ms(median(t.pushOurs))} vs docker push ${ms(median(t.pushCli))} → ${(median(t.pushOurs) / median(t.pushCli)).toFixed(2)}× (target ≤ 1.1×)`,
    );
    console.log(
      `    pull: Podvisor ${ms(median(t.pullOurs))} vs docker pull ${ms(median(t.pullCli))} → ${(median(t.pullOurs) / median(t.pullCli)).toFixed(2)}× (target ≤ 1.1×)`,
    );
  } finally {
    fs.rmSync(ctx, { recursive: true, force: true });
    fs.rmSync(cfgDir, { recursive: true, force: true });
  }
}

async function fileOpen(): Promise<void> {
  if (!HOST) return console.log('(c) skipped: needs the private dockerd');
  const img = ensureBusyboxImage(HOST);
  const id = docker(HOST, ['run', '-d', '--label', LABEL, img, 'sleep', '600']);
  const files = new ContainerFiles(new DockerClient({ host: HOST }));
  const data = crypto.randomBytes(10 * 1024 * 1024);
  await files.write(id, '/tmp/ten.bin', data);
  const ours: number[] = [];
  const cli: number[] = [];
  try {
    for (let r = 0; r < REPS; r++) {
      let t0 = performance.now();
      const got = await files.read(id, '/tmp/ten.bin');
      ours.push(performance.now() - t0);
      if (got.data.length !== data.length) throw new Error('short read');
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pv-bench-cp-'));
      t0 = performance.now();
      await run(CLI, ['cp', `${id}:/tmp/ten.bin`, dir], { env: { ...process.env, DOCKER_HOST: HOST } });
      cli.push(performance.now() - t0);
      fs.rmSync(dir, { recursive: true, force: true });
    }
    console.log(`(c) a 10 MB file out of a running container, median of ${REPS}:`);
    console.log(`    Podvisor (archive API, in memory for the editor): ${ms(median(ours))}`);
    console.log(`    docker cp to a temp dir:                          ${ms(median(cli))}`);
    console.log(`    ratio ${(median(ours) / median(cli)).toFixed(2)}× (target ≤ 1.2×)`);
  } finally {
    docker(HOST, ['rm', '-f', id]);
  }
}

async function main(): Promise<void> {
  await fileOpen();
  await registryTransfer();
  await listing();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
