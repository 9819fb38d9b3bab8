import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { needDocker, needQemu, testCache } from '../../harness/env';
import { BUSYBOX_IMAGE, docker, ensureBusyboxImage } from '../../harness/images';
import { isCancelled } from '../../../src/common/errors';
import { ContainerSandboxes } from '../../../src/sandbox/containerLauncher';
import { loadDevcontainer } from '../../../src/sandbox/devcontainer';
import { DockerClient } from '../../../src/backends/docker/client';
import { MicroVmSandboxes } from '../../../src/sandbox/microvm/microvms';
import type { Phase } from '../../../src/sandbox/types';
import { leftovers, log, makeWorkspace, waitFor } from './helpers';

/** Cancel (the progress notification's button) stops the work in the phase it is in and removes what was made. */
describe('sandbox: cancel during a launch', function () {
  let host: string;
  let engine: DockerClient;
  const dirs: string[] = [];

  before(function () {
    host = needDocker(this);
    this.timeout(60_000);
    ensureBusyboxImage(host);
    engine = new DockerClient({ host });
  });
  after(() => {
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });

  it('during the build: the build stops, nothing is left on the engine', async function () {
    this.timeout(120_000);
    const marker = `cancel-${Date.now()}`;
    const ws = makeWorkspace(
      { build: { dockerfile: 'Dockerfile' } },
      { '.devcontainer/Dockerfile': `FROM ${BUSYBOX_IMAGE}\nRUN echo ${marker} && sleep 20\n` },
    );
    dirs.push(ws);
    const spec = loadDevcontainer({ workspaceFolder: ws });
    const ac = new AbortController();
    const t0 = Date.now();
    const p = new ContainerSandboxes(engine).launch(spec, 'container', 'runc', {
      log,
      signal: ac.signal,
      report: (phase: Phase) => {
        if (phase === 'build') setTimeout(() => ac.abort(), 1500);
      },
    });
    await assert.rejects(p, (e: unknown) => isCancelled(e));
    assert.ok(Date.now() - t0 < 15_000, 'cancel did not wait for the 20 s step');
    assert.deepStrictEqual(await leftovers(engine, spec.name), []);
    // The engine stops the build's step container once the client is gone.
    await waitFor(
      async () =>
        docker(host, [
          'ps',
          '-a',
          '-q',
          '--filter',
          'ancestor=' + BUSYBOX_IMAGE,
          '--filter',
          'status=running',
        ])
          .split('\n')
          .filter(Boolean)
          .every((id) => !docker(host, ['inspect', '-f', '{{json .Config.Cmd}}', id]).includes(marker))
          ? true
          : undefined,
      30_000,
      'the build step container to go',
    );
  });

  it('during a microVM boot: QEMU and virtiofsd are stopped and the VM folder is removed', async function () {
    needQemu(this);
    this.timeout(120_000);
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'pv-sbx-cancel-vms-'));
    dirs.push(home);
    const ws = makeWorkspace({ image: BUSYBOX_IMAGE });
    dirs.push(ws);
    const spec = loadDevcontainer({ workspaceFolder: ws });
    const ac = new AbortController();
    const vms = new MicroVmSandboxes(engine, { home, cacheDir: path.join(testCache, 'sandbox'), kernel: '' });
    const p = vms.launch(spec, 'microvm', '', {
      log,
      signal: ac.signal,
      report: (phase: Phase) => {
        if (phase === 'start') setTimeout(() => ac.abort(), 700);
      },
    });
    await assert.rejects(p, (e: unknown) => isCancelled(e));
    const ours = () =>
      fs
        .readdirSync('/proc')
        .filter((x) => /^\d+$/.test(x))
        .filter((x) => {
          try {
            return fs.readFileSync(`/proc/${x}/cmdline`, 'utf8').includes(home);
          } catch {
            return false;
          }
        });
    await waitFor(async () => (ours().length === 0 ? true : undefined), 10_000, 'QEMU and virtiofsd to exit');
    assert.deepStrictEqual(fs.readdirSync(home), []);
  });
});
