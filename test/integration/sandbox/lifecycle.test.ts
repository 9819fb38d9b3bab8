/**
 * Every lifecycle hook with the spec's semantics, on the real engine: initializeCommand on the
 * host, the create hooks in order (string, array and object forms; the object form really in
 * parallel), postAttach only when an editor attaches, waitFor handing the later hooks back,
 * a failing hook stopping the ones after it, remoteEnv's ${containerEnv:…}, host requirements
 * checked first, and cancel stopping a hanging hook's whole process tree (host and container).
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { needDocker } from '../../harness/env';
import { BUSYBOX_IMAGE, ensureBusyboxImage } from '../../harness/images';
import { isCancelled } from '../../../src/common/errors';
import { ContainerSandboxes } from '../../../src/sandbox/containerLauncher';
import { loadDevcontainer } from '../../../src/sandbox/devcontainer';
import { DockerClient } from '../../../src/backends/docker/client';
import type { HookName } from '../../../src/sandbox/types';
import { ctx, leftovers, log, makeWorkspace, waitFor } from './helpers';

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('sandbox: lifecycle hooks', function () {
  let engine: DockerClient;
  let sandboxes: ContainerSandboxes;
  const names: string[] = [];
  const dirs: string[] = [];

  before(function () {
    const host = needDocker(this);
    this.timeout(60_000);
    ensureBusyboxImage(host);
    engine = new DockerClient({ host });
    sandboxes = new ContainerSandboxes(engine);
  });
  after(async function () {
    this.timeout(60_000);
    for (const n of names) await sandboxes.remove(n).catch(() => undefined);
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });
  const ws = (dc: object) => {
    const w = makeWorkspace({ image: BUSYBOX_IMAGE, remoteUser: 'root', ...dc });
    dirs.push(w);
    return w;
  };
  const read = async (name: string, file: string) => (await sandboxes.exec(name, ['cat', file])).stdout;

  it('runs initializeCommand on the host, then onCreate, updateContent, postCreate, postStart in order; postAttach only on attach', async function () {
    this.timeout(120_000);
    const w = ws({
      initializeCommand: 'echo "$PWD" > init-ran.txt',
      onCreateCommand: 'echo onCreate >> /tmp/order',
      updateContentCommand: ['/bin/sh', '-c', 'echo updateContent >> /tmp/order'],
      // Object form: both start before either ends (each waits for the other's start file).
      postCreateCommand: {
        a: 'touch /tmp/a.started; i=0; while [ ! -f /tmp/b.started ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done; [ -f /tmp/b.started ] && echo postCreate-a >> /tmp/order',
        b: 'touch /tmp/b.started; i=0; while [ ! -f /tmp/a.started ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done; [ -f /tmp/a.started ] && echo postCreate-b >> /tmp/order',
      },
      postStartCommand: ['/bin/sh', '-c', 'echo postStart >> /tmp/order; echo "hello from postStart"'],
      postAttachCommand: 'echo postAttach >> /tmp/order',
    });
    const spec = loadDevcontainer({ workspaceFolder: w });
    let out = '';
    const r = await sandboxes.launch(spec, 'container', 'runc', { log, output: (t) => (out += t) });
    names.push(r.name);
    assert.strictEqual(
      fs.readFileSync(path.join(w, 'init-ran.txt'), 'utf8').trim(),
      w,
      'in the workspace, on the host',
    );
    const order = (await read(r.name, '/tmp/order')).trim().split('\n');
    assert.deepStrictEqual(order.slice(0, 2), ['onCreate', 'updateContent']);
    assert.deepStrictEqual(
      order.slice(2, 4).sort(),
      ['postCreate-a', 'postCreate-b'],
      'both parallel parts saw each other start',
    );
    assert.deepStrictEqual(order.slice(4), ['postStart'], 'postAttach waits for an editor');
    assert.deepStrictEqual(
      r.timings.map((t) => t.phase),
      [
        'prepare',
        'initialize',
        'pull',
        'create',
        'start',
        'on-create',
        'update-content',
        'post-create',
        'post-start',
      ],
    );
    assert.match(out, /hello from postStart/, 'hook output is streamed');
    await sandboxes.postAttach(r.name, ctx);
    assert.strictEqual((await read(r.name, '/tmp/order')).trim().split('\n').at(-1), 'postAttach');
    // A restart: initializeCommand and postStart again, never the create hooks.
    fs.rmSync(path.join(w, 'init-ran.txt'));
    await sandboxes.restart(r.name, ctx);
    assert.ok(fs.existsSync(path.join(w, 'init-ran.txt')));
    assert.strictEqual(
      (await read(r.name, '/tmp/order'))
        .trim()
        .split('\n')
        .filter((l) => l === 'onCreate').length,
      1,
    );
  });

  it('waitFor: the launch is ready after that hook; the later ones are handed back and run on', async function () {
    this.timeout(120_000);
    const w = ws({
      onCreateCommand: 'echo on > /tmp/on',
      postCreateCommand: 'sleep 2; echo late > /tmp/late',
      waitFor: 'onCreateCommand',
    });
    const spec = loadDevcontainer({ workspaceFolder: w });
    let rest: Promise<void> | undefined;
    let later: readonly HookName[] = [];
    const r = await sandboxes.launch(spec, 'container', 'runc', {
      log,
      background: (p, hooks) => {
        rest = p;
        later = hooks;
      },
    });
    names.push(r.name);
    assert.deepStrictEqual(later, ['postCreateCommand']);
    assert.strictEqual((await sandboxes.exec(r.name, ['cat', '/tmp/late'])).exitCode, 1, 'not yet');
    await rest;
    assert.strictEqual((await read(r.name, '/tmp/late')).trim(), 'late');
  });

  it("remoteEnv's ${containerEnv:X} is the container's value", async function () {
    this.timeout(60_000);
    const w = ws({
      containerEnv: { BASE: 'b1' },
      remoteEnv: {
        PATH: '${containerEnv:PATH}:/extra',
        X: '${containerEnv:BASE}-x',
        D: '${containerEnv:NONE:dflt}',
      },
    });
    const r = await sandboxes.launch(loadDevcontainer({ workspaceFolder: w }), 'container', 'runc', ctx);
    names.push(r.name);
    const env = (await sandboxes.exec(r.name, ['/bin/sh', '-c', 'echo "$PATH|$X|$D"'])).stdout.trim();
    assert.strictEqual(env, '/bin:/extra|b1-x|dflt');
  });

  it('a failing hook stops the hooks after it; the error names the hook and its output; nothing is left', async function () {
    this.timeout(60_000);
    const w = ws({
      onCreateCommand: { ok: 'true', bad: 'echo broken-part >&2; exit 3' },
      postCreateCommand: 'touch /tmp/never',
    });
    const spec = loadDevcontainer({ workspaceFolder: w });
    await assert.rejects(
      sandboxes.launch(spec, 'container', 'runc', ctx),
      /onCreateCommand \[bad\] failed with exit code 3: broken-part/,
    );
    assert.deepStrictEqual(await leftovers(engine, spec.name), []);
  });

  it('a host requirement not met is one clear error before anything is made', async function () {
    const w = ws({ hostRequirements: { cpus: 4096, memory: '900tb' } });
    const spec = loadDevcontainer({ workspaceFolder: w });
    await assert.rejects(
      sandboxes.launch(spec, 'container', 'runc', ctx),
      /hostRequirements not met: this config needs 4096 CPUs \(the engine has \d+\), 900 TiB of memory/,
    );
    assert.deepStrictEqual(await leftovers(engine, spec.name), []);
  });

  it('cancel of a hanging initializeCommand stops its process tree on the host; nothing is left', async function () {
    this.timeout(60_000);
    const w = ws({ initializeCommand: 'echo $$ > init.pid; sleep 1000 & echo $! >> init.pid; wait' });
    const spec = loadDevcontainer({ workspaceFolder: w });
    const ac = new AbortController();
    const p = sandboxes.launch(spec, 'container', 'runc', { log, signal: ac.signal });
    const pids = await waitFor(
      async () => {
        const t = fs.existsSync(path.join(w, 'init.pid'))
          ? fs.readFileSync(path.join(w, 'init.pid'), 'utf8')
          : '';
        const ps = t.split('\n').filter(Boolean).map(Number);
        return ps.length === 2 ? ps : undefined;
      },
      20_000,
      'the hook to start',
    );
    assert.ok(pids.every(alive));
    ac.abort();
    await assert.rejects(p, (e: unknown) => isCancelled(e));
    await waitFor(async () => (pids.some(alive) ? undefined : true), 10_000, 'the tree to be gone');
    assert.deepStrictEqual(await leftovers(engine, spec.name), []);
  });

  it('cancel of a hanging postStartCommand (restart) stops its process tree in the container', async function () {
    this.timeout(120_000);
    const w = ws({ postStartCommand: 'if [ -f hang ]; then sleep 1001 & sleep 1002; fi' });
    const r = await sandboxes.launch(loadDevcontainer({ workspaceFolder: w }), 'container', 'runc', ctx);
    names.push(r.name);
    fs.writeFileSync(path.join(w, 'hang'), '');
    const ac = new AbortController();
    const sleeps = async () =>
      (await sandboxes.exec(r.name, ['ps', '-o', 'args'])).stdout
        .split('\n')
        .filter((l) => /^sleep 100[12]/.test(l.trim()));
    const p = sandboxes.restart(r.name, { log, signal: ac.signal });
    await waitFor(async () => ((await sleeps()).length === 2 ? true : undefined), 30_000, 'the hook to hang');
    ac.abort();
    await assert.rejects(p, (e: unknown) => isCancelled(e));
    assert.deepStrictEqual(await sleeps(), [], 'both sleeps (the hook and its background child) are gone');
    assert.strictEqual((await sandboxes.find(r.name))?.state, 'running', 'the sandbox itself stays');
  });
});
