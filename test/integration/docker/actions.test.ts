import * as assert from 'assert';
import * as fs from 'fs';
import { needDocker } from '../../harness/env';
import { docker, ensureBusyboxImage } from '../../harness/images';
import { DockerClient } from '../../../src/backends/docker/client';
import { followLogs, openShell } from '../../../src/backends/docker/sessions';
import { validateContainerName } from '../../../src/backends/docker/names';
import { presentContainer, groupContainers } from '../../../src/backends/docker/present';
import type { ContainerStore } from '../../../src/backends/docker/store';
import { cleanup, newStore, PREFIX, state, until } from './helpers';

describe('docker actions change the real container', function () {
  let host: string;
  let img: string;
  let client: DockerClient;
  let store: ContainerStore;
  let id: string;

  before(async function () {
    host = needDocker(this);
    img = ensureBusyboxImage(host);
    client = new DockerClient({ host });
    store = newStore(host);
    store.setVisible(true);
    await store.start();
  });
  after(function () {
    store?.dispose();
    if (host) cleanup(host);
  });

  const modelState = () => store.containers.get(id)?.state;

  it('start, pause, unpause, restart, stop: the engine and the model agree', async function () {
    // `trap` so that stop takes milliseconds, not the 10 s SIGTERM grace of a shell as PID 1.
    id = docker(host, [
      'create',
      '--name',
      `${PREFIX}-act`,
      '--label',
      `podvisor.test=${PREFIX}`,
      img,
      'sh',
      '-c',
      'trap "exit 0" TERM; while true; do echo tick; sleep 0.2; done',
    ]);
    await client.containerAction('start', id);
    assert.strictEqual(state(host, id), 'running');
    await until(() => modelState() === 'running', 3000, 'model running');
    await client.containerAction('pause', id);
    assert.strictEqual(state(host, id), 'paused');
    await until(() => modelState() === 'paused', 3000, 'model paused');
    assert.strictEqual(
      presentContainer(store.containers.get(id)!, Date.now()).contextValue,
      'container.paused',
    );
    await client.containerAction('unpause', id);
    assert.strictEqual(state(host, id), 'running');
    const started = docker(host, ['inspect', '-f', '{{.State.StartedAt}}', id]);
    await client.containerAction('restart', id, { timeoutS: 2 });
    assert.notStrictEqual(docker(host, ['inspect', '-f', '{{.State.StartedAt}}', id]), started);
    await client.containerAction('stop', id, { timeoutS: 5 });
    assert.strictEqual(state(host, id), 'exited');
    await until(() => modelState() === 'stopped', 3000, 'model stopped');
    assert.strictEqual(store.containers.get(id)!.exitCode, 0);
    // Stopping a stopped container is not an error (HTTP 304).
    await client.containerAction('stop', id);
  });

  it('follows logs and opens a shell (sh: the image has no bash), with resize', async function () {
    await client.containerAction('start', id);
    const logs = await followLogs(client, id, { tail: 5 });
    let text = '';
    logs.onData((t) => (text += t));
    await until(() => (text.match(/tick\r\n/g) ?? []).length >= 3, 5000, 'log lines');
    logs.close();

    const sh = await openShell(client, id, { cols: 100, rows: 30 });
    let out = '';
    let code: number | undefined = -1;
    sh.onData((t) => (out += t));
    sh.onExit((c) => (code = c));
    await new Promise((r) => setTimeout(r, 200));
    sh.resize(123, 45);
    await new Promise((r) => setTimeout(r, 200));
    sh.write('stty size; echo "shell=$0 ok"; exit 7\n');
    await until(() => code !== -1, 5000, 'shell exit');
    assert.match(out, /45 123/);
    assert.match(out, /shell=sh ok/);
    assert.strictEqual(code, 7);
  });

  it("engine errors carry the engine's own reason", async function () {
    await assert.rejects(client.removeContainer(id, { label: 'act' }), (e: Error) => {
      assert.match(e.message, /^Could not remove act: .*(running|stop)/i);
      assert.doesNotMatch(e.message, /HTTP code/);
      return true;
    });
    await assert.rejects(client.containerAction('start', 'f'.repeat(64)), /No such container/);
  });

  it('rename validates names; the engine refuses what Docker forbids, with its reason', async function () {
    for (const bad of ['with space', 'ünicode', 'x;touch /tmp/pwn', '$(id)']) {
      assert.ok(validateContainerName(bad), bad);
      await assert.rejects(
        client.renameContainer(id, bad),
        /Could not rename.*(Invalid container name|invalid)/i,
      );
    }
    await client.renameContainer(id, `${PREFIX}-renamed.v2`);
    await until(
      () => store.containers.get(id)?.name === `${PREFIX}-renamed.v2`,
      3000,
      'renamed in the model',
    );
    // References that are not ids or names never reach a URL.
    await assert.rejects(client.inspectContainer('../../info'), /Not a container id or name/);
  });

  it('labels with spaces, unicode and shell metacharacters show verbatim and do no harm', async function () {
    const project = 'my shop ü 日本 $(touch /tmp/pv-pwn) `id`; rm -rf / && echo "x"';
    const wid = docker(host, [
      'run',
      '-d',
      '--name',
      `${PREFIX}-weird`,
      '--label',
      `com.docker.compose.project=${project}`,
      '--label',
      `podvisor.test=${PREFIX}`,
      img,
      'sh',
      '-c',
      'echo "$0 $(echo ok)"; sleep 600',
      'a b;c',
    ]);
    await until(() => store.containers.get(wid)?.state === 'running', 3000, 'weird container running');
    const g = groupContainers(store.containers.values(), 'composeProject', 'name').find(
      (x) => x.label === project,
    );
    assert.ok(g, 'grouped under the verbatim project name');
    const sh = await openShell(client, wid, { cmd: ['sh', '-c', 'echo "[$1]"', 'sh', project] });
    let out = '';
    sh.onData((t) => (out += t));
    await until(() => out.includes(']'), 3000, 'echo');
    assert.ok(out.includes(`[${project}]`), out);
    assert.ok(!fs.existsSync('/tmp/pv-pwn'));
  });

  it('remove (force for a running one) and prune (stopped only) report what they did', async function () {
    const wid = docker(host, ['ps', '-q', '--filter', `name=${PREFIX}-weird`]);
    await client.removeContainer(wid, { force: true });
    assert.strictEqual(docker(host, ['ps', '-aq', '--filter', `id=${wid}`]), '');
    await client.containerAction('stop', id, { timeoutS: 5 });
    const extra = docker(host, [
      'create',
      '--name',
      `${PREFIX}-prune`,
      '--label',
      `podvisor.test=${PREFIX}`,
      img,
    ]);
    const r = await client.pruneContainers({ labels: [`podvisor.test=${PREFIX}`] });
    assert.deepStrictEqual([...r.removed].sort(), [id, extra].sort());
    assert.ok(r.spaceReclaimed >= 0);
    await until(
      () => !store.containers.has(id) && !store.containers.has(extra),
      3000,
      'pruned from the model',
    );
  });
});
