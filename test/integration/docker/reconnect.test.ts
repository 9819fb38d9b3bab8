import * as assert from 'assert';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import { needDocker } from '../../harness/env';
import { docker, ensureBusyboxImage } from '../../harness/images';
import { startPrivateDockerd, stopPid, type PrivateDockerd } from '../../harness/dockerd';
import { runSlot } from '../../harness/slot';
import type { ContainerStore } from '../../../src/backends/docker/store';
import { newStore, until } from './helpers';

/**
 * Kills and restarts an engine under the store. This suite starts its OWN dockerd (never the
 * shared one), kills it by pid and brings it back on the same socket and data.
 */
describe('docker store survives the engine going away', function () {
  this.timeout(120_000);
  const dir = `/tmp/pv-docker-reconnect-${process.pid}`;
  let d: PrivateDockerd | undefined;
  let store: ContainerStore | undefined;
  const rejections: unknown[] = [];
  const onRejection = (e: unknown) => rejections.push(e);

  before(async function () {
    needDocker(this); // dockerd is installed and usable here
    d = await startPrivateDockerd(dir, { bridge: `pvb${runSlot()}`, cidr: `10.233.${runSlot()}.1/24` });
    process.on('unhandledRejection', onRejection);
  });
  after(async function () {
    process.off('unhandledRejection', onRejection);
    store?.dispose();
    if (d) stopPid(d.pid);
    // A killed dockerd leaves its data-root bind mount behind: unmount ours (only under `dir`).
    const mounts = fs
      .readFileSync('/proc/mounts', 'utf8')
      .split('\n')
      .map((l) => l.split(' ')[1])
      .filter((m): m is string => !!m && m.startsWith(`${dir}/`));
    for (const m of mounts.reverse()) {
      try {
        execFileSync('umount', ['-l', m]);
      } catch {
        /* already gone */
      }
    }
    fs.rmSync(dir, { recursive: true, force: true });
  });

  function kill(pid: number): void {
    // The whole group: dockerd and its containerd, as a crash would.
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      process.kill(pid, 'SIGKILL');
    }
  }

  it('shows "not reachable" within 2 s of the kill and recovers within 2 s of the restart', async function () {
    const img = ensureBusyboxImage(d!.host);
    const id = docker(d!.host, ['create', '--name', 'survivor', img]);
    store = newStore(d!.host);
    const s = store;
    s.setVisible(true);
    await s.start();
    assert.strictEqual(s.status.kind, 'ready');
    assert.ok(s.containers.has(id));

    kill(d!.pid);
    const down = await until(() => s.status.kind === 'unreachable', 2000, 'unreachable');
    assert.strictEqual(s.containers.size, 0, 'no stale containers shown');
    console.log(`      engine killed → unreachable in ${down.toFixed(0)} ms`);
    await new Promise((r) => setTimeout(r, 1500)); // a few back-off rounds while it is down

    const t0 = performance.now();
    d = await startPrivateDockerd(dir, { bridge: `pvb${runSlot()}`, cidr: `10.233.${runSlot()}.1/24` });
    const startMs = performance.now() - t0;
    const back = await until(
      () => s.status.kind === 'ready' && s.containers.has(id),
      2000,
      'containers back',
    );
    console.log(`      dockerd up in ${startMs.toFixed(0)} ms → containers back ${back.toFixed(0)} ms later`);

    // And live again: a new event still arrives.
    const id2 = docker(d.host, ['create', '--name', 'after-restart', img]);
    await until(() => s.containers.has(id2), 2000, 'event after reconnect');
    assert.deepStrictEqual(rejections, [], 'no unhandled rejection');
  });
});
