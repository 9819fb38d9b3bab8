import * as assert from 'assert';
import * as fs from 'fs';
import { needDocker } from '../../harness/env';
import { BUSYBOX_IMAGE, docker, ensureBusyboxImage } from '../../harness/images';
import { ContainerSandboxes } from '../../../src/sandbox/containerLauncher';
import { loadDevcontainer } from '../../../src/sandbox/devcontainer';
import { DockerClient } from '../../../src/backends/docker/client';
import { freePort } from '../../../src/common/net';
import { podPlan, yamlDocs } from '../../../src/sandbox/pod';
import { ctx, leftovers, makeWorkspace } from './helpers';
import { at } from '../../harness/pick';

/** Every bad input gives a clear error and leaves nothing on the engine (or in the workspace). */
describe('sandbox: bad input is a clear error and leaves nothing behind', function () {
  let host: string;
  let engine: DockerClient;
  let sandboxes: ContainerSandboxes;
  const workspaces: string[] = [];
  let imagesBefore: string[];

  const allImages = () =>
    docker(host, ['images', '-a', '-q', '--no-trunc']).split('\n').filter(Boolean).sort();

  before(function () {
    host = needDocker(this);
    this.timeout(60_000);
    ensureBusyboxImage(host);
    engine = new DockerClient({ host });
    sandboxes = new ContainerSandboxes(engine);
  });
  after(() => {
    for (const w of workspaces) fs.rmSync(w, { recursive: true, force: true });
  });
  const ws = (dc: object | string, files?: Record<string, string>) => {
    const w = makeWorkspace(dc, files);
    workspaces.push(w);
    return w;
  };
  async function expectNothingLeft(name: string): Promise<void> {
    assert.deepStrictEqual(await leftovers(engine, name), []);
  }

  it('malformed devcontainer.json', () => {
    const w = ws('{ "image": "x", "forwardPorts": [1 2] }');
    assert.throws(
      () => loadDevcontainer({ workspaceFolder: w }),
      /devcontainer\.json:1:\d+: devcontainer.json is not valid JSON/,
    );
  });

  it('missing image: a local-only name is never pulled; a registry that does not answer is named', async function () {
    this.timeout(60_000);
    // A name only made here: refused before the engine would ask Docker Hub for it (no DNS query).
    const spec = loadDevcontainer({ workspaceFolder: ws({ image: 'podvisor-test/does-not-exist:1' }) });
    await assert.rejects(
      sandboxes.launch(spec, 'container', 'runc', ctx),
      /Image podvisor-test\/does-not-exist:1 is not on the engine; it is made locally and never pulled/,
    );
    await expectNothingLeft(spec.name);
    // A loopback registry nobody listens on: the engine's own reason.
    const port = await freePort();
    const spec2 = loadDevcontainer({ workspaceFolder: ws({ image: `127.0.0.1:${port}/nothing/here:1` }) });
    await assert.rejects(
      sandboxes.launch(spec2, 'container', 'runc', ctx),
      new RegExp(
        `Image 127\\.0\\.0\\.1:${port}/nothing/here:1 is not on the engine and could not be pulled: .+`,
      ),
    );
    await expectNothingLeft(spec2.name);
  });

  it('a build that fails removes the images its finished steps made', async function () {
    this.timeout(120_000);
    imagesBefore = allImages();
    const marker = `step-one-${Date.now()}`;
    const w = ws(
      { build: { dockerfile: 'Dockerfile' } },
      {
        '.devcontainer/Dockerfile': `FROM ${BUSYBOX_IMAGE}\nRUN echo ${marker} > /one\nRUN echo failing on purpose && exit 3\n`,
      },
    );
    const spec = loadDevcontainer({ workspaceFolder: w });
    await assert.rejects(
      sandboxes.launch(spec, 'container', 'runc', ctx),
      /Build failed: .*returned a non-zero code: 3/,
    );
    await expectNothingLeft(spec.name);
    // The engine is shared with other suites: only images made by this build's steps count.
    const extra = allImages()
      .filter((i) => !imagesBefore.includes(i))
      .filter((i) => {
        try {
          return docker(host, ['inspect', '-f', '{{json .ContainerConfig.Cmd}}', i]).includes(marker);
        } catch {
          return false;
        }
      });
    assert.deepStrictEqual(extra, [], 'no intermediate images of the failed build are left');
  });

  it('a postCreateCommand that fails removes the container and the built image', async function () {
    this.timeout(120_000);
    const w = ws(
      { build: { dockerfile: 'Dockerfile' }, postCreateCommand: 'echo boom >&2; exit 7' },
      { '.devcontainer/Dockerfile': `FROM ${BUSYBOX_IMAGE}\nRUN echo ok > /ok\n` },
    );
    const spec = loadDevcontainer({ workspaceFolder: w });
    await assert.rejects(
      sandboxes.launch(spec, 'gvisor', 'runsc', ctx).catch((e: Error) => {
        if (/no runtime "runsc"/.test(e.message)) return sandboxes.launch(spec, 'container', 'runc', ctx);
        throw e;
      }),
      /postCreateCommand failed with exit code 7: boom/,
    );
    await expectNothingLeft(spec.name);
    assert.deepStrictEqual(fs.readdirSync(w).sort(), ['.devcontainer'], 'the workspace is untouched');
  });

  it('a runtime the engine does not have', async function () {
    const spec = loadDevcontainer({ workspaceFolder: ws({ image: BUSYBOX_IMAGE }) });
    await assert.rejects(
      sandboxes.launch(spec, 'kata', 'io.containerd.kata.v2', ctx),
      /The engine has no runtime "io.containerd.kata.v2" \(it has: .*runc/,
    );
    await expectNothingLeft(spec.name);
  });

  it('an unknown runtime class', () => {
    const docs = yamlDocs(
      '/w/p.yaml',
      `kind: Pod\nmetadata: { name: p }\nspec:\n  runtimeClassName: wasm\n  containers: [{ name: a, image: ${BUSYBOX_IMAGE} }]\n`,
    );
    assert.throws(
      () => podPlan(at(docs, 0), docs),
      /RuntimeClass "wasm" is not defined in this file or the workspace/,
    );
  });

  it('a second launch of the same sandbox is refused without touching the first', async function () {
    this.timeout(60_000);
    const spec = loadDevcontainer({ workspaceFolder: ws({ image: BUSYBOX_IMAGE }) });
    await sandboxes.launch(spec, 'container', 'runc', ctx);
    try {
      await assert.rejects(sandboxes.launch(spec, 'container', 'runc', ctx), /already exists/);
      assert.strictEqual((await sandboxes.find(spec.name))?.state, 'running');
    } finally {
      await sandboxes.remove(spec.name);
    }
    await expectNothingLeft(spec.name);
  });
});
