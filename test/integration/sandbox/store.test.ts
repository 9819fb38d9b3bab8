/**
 * The sandbox store on the one refresh model, against the real engine: fed by the Docker
 * backend's ContainerStore (its event stream), it reports exactly the sandboxes whose record
 * changed, and nothing at all while nothing happens. A sandbox whose labels were edited shows
 * with a problem instead of breaking the list.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { DockerClient } from '../../../src/backends/docker/client';
import { ContainerStore } from '../../../src/backends/docker/store';
import { silentLogger } from '../../../src/common/log';
import { ContainerSandboxes } from '../../../src/sandbox/containerLauncher';
import { imageSpec } from '../../../src/sandbox/imageSource';
import { LABEL } from '../../../src/sandbox/names';
import { SandboxStore } from '../../../src/sandbox/store';
import { needDocker } from '../../harness/env';
import { BUSYBOX_IMAGE, docker, ensureBusyboxImage } from '../../harness/images';
import { ctx, waitFor } from './helpers';

describe('sandbox store: only what changed, nothing while idle', function () {
  let host: string;
  let client: DockerClient;
  let sandboxes: ContainerSandboxes;
  let engine: ContainerStore;
  let store: SandboxStore;
  let ws: string;
  const names: string[] = [];
  let bad = '';

  before(async function () {
    host = needDocker(this);
    this.timeout(120_000);
    ensureBusyboxImage(host);
    client = new DockerClient({ host });
    sandboxes = new ContainerSandboxes(client);
    ws = fs.mkdtempSync(path.join(os.tmpdir(), 'pv-sbx-store-ws-'));
    for (const n of ['a', 'b']) {
      const spec = { ...imageSpec(BUSYBOX_IMAGE, ws), name: `store-${n}-${process.pid}` };
      names.push((await sandboxes.launch(spec, 'container', 'runc', ctx)).name);
    }
    engine = new ContainerStore(client, { log: silentLogger, safetyPollMs: 0 });
    await engine.start();
    store = new SandboxStore(undefined, silentLogger);
    store.bindEngine(engine);
  });
  after(async function () {
    this.timeout(60_000);
    store?.dispose();
    engine?.dispose();
    for (const n of names) await sandboxes.remove(n).catch(() => undefined);
    if (bad) docker(host, ['rm', '-f', bad]);
    fs.rmSync(ws, { recursive: true, force: true });
  });

  it('lists the running sandboxes from the engine store', () => {
    for (const n of names) assert.strictEqual(store.items.get(n)?.state, 'running', n);
  });

  it('a stop reports that sandbox only; the other stays as it was', async function () {
    this.timeout(60_000);
    const [a, b] = names as [string, string];
    const before = JSON.stringify(store.items.get(b));
    const seen: string[] = [];
    const off = store.onChange((c) => seen.push(...(c.ids === 'all' ? ['all'] : c.ids)));
    try {
      await sandboxes.stop(a);
      await waitFor(
        // The model updates first; its change is delivered on the next turn (coalescing): wait
        // for the delivery itself, then a moment more so that a stray extra id would show.
        async () => (store.items.get(a)?.state === 'stopped' && seen.includes(a) ? true : undefined),
        20_000,
        'a stopped, and its change delivered',
      );
      await new Promise((r) => setTimeout(r, 1000));
      assert.deepStrictEqual([...new Set(seen)], [a]);
      assert.strictEqual(JSON.stringify(store.items.get(b)), before);
    } finally {
      off();
    }
  });

  it('delivers nothing while nothing happens, even with engine events that change no sandbox', async function () {
    this.timeout(30_000);
    const n0 = store.delivered;
    // An exec in a sandbox is an engine event (exec_start …) that changes no record.
    const [, b] = names as [string, string];
    assert.strictEqual((await sandboxes.exec(b, ['true'])).exitCode, 0);
    await new Promise((r) => setTimeout(r, 3000));
    assert.strictEqual(store.delivered, n0, 'no change delivered');
  });

  it('a container with an unreadable sandbox label is a sandbox with a problem', async function () {
    this.timeout(30_000);
    const name = `store-bad-${process.pid}`;
    bad = docker(host, [
      'create',
      '--label',
      `${LABEL.sandbox}=${name}`,
      '--label',
      `${LABEL.level}=warp-drive`,
      '--label',
      `${LABEL.spec}={"name":`,
      BUSYBOX_IMAGE,
      'sleep',
      '60',
    ]);
    const info = await waitFor(async () => store.items.get(name), 20_000, 'the bad sandbox in the store');
    assert.strictEqual(info.state, 'created');
    assert.match(info.problem ?? '', /level "warp-drive"/);
    assert.match(info.problem ?? '', /not JSON/);
    // The good ones are still listed.
    for (const n of names) assert.ok(store.items.has(n), n);
  });
});
