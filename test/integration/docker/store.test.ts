import * as assert from 'assert';
import { needDocker, needGvisor } from '../../harness/env';
import { docker, ensureBusyboxImage } from '../../harness/images';
import { presentContainer } from '../../../src/backends/docker/present';
import type { ContainerStore } from '../../../src/backends/docker/store';
import { cleanup, newStore, PREFIX, until } from './helpers';

describe('docker store on the real engine', function () {
  let host: string;
  let img: string;
  let store: ContainerStore;

  before(function () {
    host = needDocker(this);
    img = ensureBusyboxImage(host);
  });
  after(function () {
    store?.dispose();
    if (host) cleanup(host);
  });

  it('lists containers and shows the isolation badge from the runtime (runc, runsc)', async function () {
    needGvisor(this);
    const runc = docker(host, ['run', '-d', '--name', `${PREFIX}-runc`, img, 'sleep', '600']);
    const runsc = docker(host, [
      'run',
      '-d',
      '--runtime=runsc',
      '--name',
      `${PREFIX}-runsc`,
      img,
      'sleep',
      '600',
    ]);
    store = newStore(host);
    store.setVisible(true);
    await store.start();
    assert.strictEqual(store.status.kind, 'ready');
    await until(
      () => !!store.containers.get(runc)?.runtime && !!store.containers.get(runsc)?.runtime,
      10_000,
      'runtimes resolved',
    );
    const a = presentContainer(store.containers.get(runc)!, Date.now());
    const b = presentContainer(store.containers.get(runsc)!, Date.now());
    assert.strictEqual(a.contextValue, 'container.running');
    assert.match(a.description, /\[container\]/);
    assert.match(b.description, /\[gVisor sandbox\]/);
    assert.match(b.tooltip, /runtime runsc/);
  });

  it('an engine event updates one container by one inspect, not a re-listing', async function () {
    const id = docker(host, ['create', '--name', `${PREFIX}-ev`, img, 'sleep', '600']);
    await until(() => store.containers.get(id)?.state === 'created', 5000, 'created container in the model');
    await store.idle();
    const lists = store.stats.lists;
    const inspects = store.stats.inspects;
    docker(host, ['start', id]);
    await until(() => store.containers.get(id)?.state === 'running', 5000, 'running in the model');
    await store.idle();
    assert.strictEqual(store.stats.lists, lists, 'no full listing');
    assert.ok(store.stats.inspects - inspects <= 2, `inspects: ${store.stats.inspects - inspects}`);
    assert.ok(store.containers.get(id)!.startedAt! > Date.now() - 60_000);
    docker(host, ['rm', '-f', id]);
    await until(() => !store.containers.has(id), 5000, 'removed from the model');
  });

  it('coalesces a burst of events into fewer updates than events', async function () {
    const ids: string[] = [];
    for (let i = 0; i < 10; i++)
      ids.push(docker(host, ['run', '-d', '--name', `${PREFIX}-b${i}`, img, 'sleep', '600']));
    await until(
      () => ids.every((id) => store.containers.get(id)?.state === 'running'),
      10_000,
      'all running',
    );
    await store.idle();
    let updates = 0;
    const events0 = store.stats.events;
    const inspects0 = store.stats.inspects;
    const off = store.onChange((c) => {
      if (c.cause === 'event') updates++;
    });
    // `docker kill` acts on all ten in parallel: twenty events (kill, die) within milliseconds.
    docker(host, ['kill', ...ids]);
    await until(
      () => ids.every((id) => store.containers.get(id)?.state === 'stopped'),
      10_000,
      'all stopped in the model',
    );
    await store.idle();
    off();
    const events = store.stats.events - events0;
    const inspects = store.stats.inspects - inspects0;
    console.log(`      ${events} events → ${updates} model updates, ${inspects} inspects`);
    assert.ok(events >= 20, `events: ${events}`);
    assert.ok(updates < events / 2, `updates ${updates} for ${events} events`);
    assert.ok(inspects < events, `inspects ${inspects} for ${events} events`);
  });

  it('runs no timer while hidden; the safety poll runs only while visible', async function () {
    const s = newStore(host, { safetyPollMs: 200 });
    try {
      await s.start(); // hidden
      await s.idle();
      assert.strictEqual(s.timerCount, 0);
      const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
      const before = timers();
      const lists = s.stats.lists;
      await new Promise((r) => setImmediate(r));
      await new Promise((r) => setTimeout(r, 600));
      assert.strictEqual(s.stats.lists, lists, 'no poll while hidden');
      s.setVisible(true);
      assert.strictEqual(s.timerCount, 1);
      assert.ok(timers() >= before + 1);
      await until(() => s.stats.lists >= lists + 2, 3000, 'two safety polls while visible');
      s.setVisible(false);
      assert.strictEqual(s.timerCount, 0);
      const l2 = s.stats.lists;
      await new Promise((r) => setTimeout(r, 600));
      await s.idle();
      assert.ok(s.stats.lists <= l2 + 1, 'at most the poll already in flight');
      assert.strictEqual(s.timerCount, 0);
    } finally {
      s.dispose();
    }
  });

  it('an idle engine polled by the safety poll delivers no change', async function () {
    const id = docker(host, ['run', '-d', '--name', `${PREFIX}-idle`, img, 'sleep', '600']);
    const s = newStore(host, { safetyPollMs: 50 });
    try {
      s.setVisible(true);
      await s.start();
      await until(() => !!s.containers.get(id)?.runtime, 10_000, 'runtime resolved');
      await s.idle();
      const delivered = s.delivered;
      const lists = s.stats.lists;
      await until(() => s.stats.lists >= lists + 5, 20_000, 'five safety polls');
      await s.idle();
      assert.strictEqual(s.delivered, delivered, 'a poll that found nothing new delivered a change');
    } finally {
      s.dispose();
      docker(host, ['rm', '-f', id]);
    }
  });

  it('one container state change is one change naming exactly that container', async function () {
    const id = docker(host, ['run', '-d', '--name', `${PREFIX}-one`, img, 'sleep', '600']);
    await until(() => store.containers.get(id)?.state === 'running', 5000, 'running in the model');
    await store.idle();
    const seen: Array<readonly string[] | 'all'> = [];
    const off = store.onChange((c) => seen.push(c.ids));
    try {
      docker(host, ['pause', id]);
      await until(() => store.containers.get(id)?.state === 'paused', 5000, 'paused in the model');
      await store.idle();
      assert.deepStrictEqual(seen, [[id]]);
    } finally {
      off();
      docker(host, ['rm', '-f', id]);
    }
  });
});
