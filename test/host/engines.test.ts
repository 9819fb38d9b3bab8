/**
 * Several engines, Compose, images and registries, and container files in a real extension host,
 * against the harness's private dockerd, Podman and registry. Every action is checked on the
 * engine, the registry or the file itself (the docker CLI, the registry's API), not on our model.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import type { PodvisorTestApi } from '../../src/extension';
import type { ContainersSection } from '../../src/tree/containers/section';
import type { TreeNode } from '../../src/tree/node';
import { containerUri } from '../../src/tree/containers/files';
import { docker, dockerCli, ensureBusyboxImage } from '../harness/images';
import { until } from '../harness/until';
import { skipLoudly } from '../harness/skip';
import { whyNo } from '../harness/env';

function skip(ctx: Mocha.Context, what: string): never {
  skipLoudly(ctx, `needs ${what}: ${whyNo(what)}`);
}

function labelText(l: string | vscode.TreeItemLabel | undefined): string {
  return typeof l === 'string' ? l : (l?.label ?? '');
}

async function labelsOf(nodes: TreeNode[]): Promise<string[]> {
  return Promise.all(nodes.map(async (n) => labelText((await n.getTreeItem()).label)));
}

describe('engines, compose, images, registries, files (in a real extension host)', function () {
  this.timeout(180_000);
  let host: string;
  let img: string;
  let pv: PodvisorTestApi;
  let section: ContainersSection;
  const cfg = () => vscode.workspace.getConfiguration('podvisor');
  const NAME = `pv-eng-${process.pid}`;
  let id: string;

  before(async function () {
    const h = process.env.PODVISOR_TEST_DOCKER_HOST;
    if (!h) skip(this, 'docker');
    host = h;
    img = ensureBusyboxImage(host);
    id = docker(host, [
      'run',
      '-d',
      '--name',
      NAME,
      img,
      'sh',
      '-c',
      'trap "exit 0" TERM; sleep 3600 & wait',
    ]);
    pv = await vscode.extensions.getExtension<PodvisorTestApi>('podvisor.podvisor')!.activate();
    section = pv.services.containers;
    await vscode.commands.executeCommand('workbench.view.extension.podvisor');
    await until('the Workloads view is visible', () => pv.services.tree.view.visible);
    await until('the container in the view', () => section.nodeOf(id), 15_000);
    // The Compose v2 plugin lives in the test DOCKER_CONFIG; the product takes the user's.
    if (process.env.PODVISOR_TEST_DOCKER_CONFIG)
      process.env.DOCKER_CONFIG = process.env.PODVISOR_TEST_DOCKER_CONFIG;
    await cfg().update('docker.path', dockerCli, vscode.ConfigurationTarget.Workspace);
  });
  after(async function () {
    if (!host) return;
    await cfg().update('docker.endpoints', undefined, vscode.ConfigurationTarget.Global);
    await cfg().update('registries', undefined, vscode.ConfigurationTarget.Workspace);
    await cfg().update('docker.path', undefined, vscode.ConfigurationTarget.Workspace);
    try {
      docker(host, ['rm', '-f', NAME]);
    } catch {
      /* gone */
    }
  });

  it('several engines at once: each a group with its own state; one that is down leaves the others live', async function () {
    const podman = process.env.PODVISOR_TEST_PODMAN_HOST;
    if (!podman) skip(this, 'podman');
    const pimg = ensureBusyboxImage(podman);
    const pid = docker(podman, ['create', '--name', `${NAME}-pod`, pimg, 'sleep', '60']);
    const gone = `unix:///tmp/pv-gone-${process.pid}.sock`;
    await cfg().update(
      'docker.endpoints',
      [
        { name: 'podman', host: podman },
        { name: 'gone', host: gone },
      ],
      vscode.ConfigurationTarget.Global,
    );
    try {
      const groups = await until('three engine groups', async () => {
        const r = section.roots();
        return r.length === 3 && r.every((n) => n.id.startsWith('docker:engine:')) ? r : undefined;
      });
      assert.deepStrictEqual(await labelsOf(groups), ['Local engine', 'podman', 'gone']);
      const podmanEngine = section.engines()[1]!;
      await until(
        'podman lists its container',
        () => podmanEngine.containers().some((c) => c.id === pid),
        15_000,
      );
      await until(
        'the gone engine is not reachable',
        async () => (await groups[2]!.getTreeItem()).contextValue === 'dockerEngine.unreachable',
        15_000,
      );
      // The discovered engine is still live: an event reaches it while another engine is down.
      docker(host, ['stop', '-t', '1', NAME]);
      await until('the local engine saw the stop', () =>
        section
          .engines()[0]!
          .containers()
          .some((c) => c.id === id && c.state === 'stopped'),
      );
      docker(podman, ['start', pid]);
      await until('podman saw the start', () =>
        podmanEngine.containers().some((c) => c.id === pid && c.state === 'running'),
      );
    } finally {
      docker(host, ['start', NAME]);
      await cfg().update('docker.endpoints', undefined, vscode.ConfigurationTarget.Global);
      docker(podman, ['rm', '-f', `${NAME}-pod`]);
    }
    await until('one engine again, flat', async () =>
      section.roots().some((n) => n.id === 'docker:containers'),
    );
  });

  it('a Compose project brought up and down from its file', async function () {
    if (!process.env.PODVISOR_TEST_COMPOSE_V2 && !process.env.PODVISOR_TEST_COMPOSE_V1)
      skip(this, 'compose_v1');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pvhostcompose'));
    const file = path.join(dir, 'compose.yaml');
    fs.writeFileSync(
      file,
      `services:\n  web:\n    image: ${img}\n    command: ["sh", "-c", "trap 'exit 0' TERM; sleep 3600 & wait"]\n`,
    );
    const name = path
      .basename(dir)
      .toLowerCase()
      .replace(/[^a-z0-9_-]/g, '');
    const ps = () =>
      docker(host, [
        'ps',
        '-a',
        '--filter',
        `label=com.docker.compose.project=${name}`,
        '--format',
        '{{.State}}',
      ]);
    await vscode.commands.executeCommand('podvisor.compose.up', vscode.Uri.file(file));
    assert.strictEqual(ps(), 'running');
    await until('the project group in the tree', async () => {
      const root = section.roots().find((n) => n.id === 'docker:containers');
      const kids = root ? await root.getChildren() : [];
      return (await labelsOf(kids)).includes(name);
    });
    await vscode.commands.executeCommand('podvisor.compose.down', vscode.Uri.file(file));
    assert.strictEqual(ps(), '');
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('an image built from a Dockerfile and pushed to the registry', async function () {
    const raw = process.env.PODVISOR_TEST_REGISTRY;
    if (!raw) skip(this, 'registry');
    const reg = JSON.parse(raw) as {
      address: string;
      url: string;
      user: string;
      password: string;
      ca: string;
    };
    await cfg().update(
      'registries',
      [{ url: reg.url, caFile: reg.ca }],
      vscode.ConfigurationTarget.Workspace,
    );
    await vscode.commands.executeCommand('podvisor.registry.login', reg.url, {
      username: reg.user,
      password: reg.password,
    });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pvhostbuild-'));
    fs.writeFileSync(
      path.join(dir, 'Dockerfile'),
      `FROM ${img}\nARG GREETING\nRUN echo "$GREETING" > /greeting\n`,
    );
    const tag = `pvhost/built-${process.pid}:1`;
    await vscode.commands.executeCommand(
      'podvisor.image.build',
      vscode.Uri.file(path.join(dir, 'Dockerfile')),
      {
        tag,
        buildArgs: 'GREETING=hello-from-host',
      },
    );
    assert.strictEqual(docker(host, ['run', '--rm', tag, 'cat', '/greeting']), 'hello-from-host');
    await until('the image in the model', () => section.images().some((i) => i.repoTags.includes(tag)));
    const target = await vscode.commands.executeCommand('podvisor.image.push', tag, undefined, {
      registry: reg.address,
    });
    assert.strictEqual(target, `${reg.address}/pvhost/built-${process.pid}:1`);
    const client = pv.services.registries.client(pv.services.settings.current.registries.registries[0]!);
    assert.deepStrictEqual(await client.tags(`pvhost/built-${process.pid}`), ['1']);
    docker(host, ['rmi', tag, String(target)]);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('a Dockerfile failing at step 3: one clear message, no tag', async function () {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pvhostfail-'));
    fs.writeFileSync(path.join(dir, 'Dockerfile'), `FROM ${img}\nRUN echo one\nRUN exit 7\nRUN echo never\n`);
    const tag = `pvhost/failing-${process.pid}:1`;
    const m = section.module();
    // The command wrapper shows errors; the command's own promise is what the test awaits here.
    const { buildImage } = await import('../../src/commands/image/build');
    await assert.rejects(
      Promise.resolve(
        buildImage.execute(pv.services, vscode.Uri.file(path.join(dir, 'Dockerfile')), {
          tag,
          buildArgs: '',
        }),
      ),
      (e: Error) => /docker build failed \(exit \d+\).*exit 7|did not complete successfully/.test(e.message),
    );
    assert.ok(m);
    assert.throws(() => docker(host, ['image', 'inspect', tag]), /No such image/);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('a file edited inside a container through the Explorer provider', async function () {
    const uri = containerUri('default', id, '/etc/motd');
    await vscode.workspace.fs.writeFile(uri, Buffer.from('first\n'));
    const doc = await vscode.workspace.openTextDocument(uri);
    const ed = await vscode.window.showTextDocument(doc);
    await ed.edit((b) => b.replace(new vscode.Range(0, 0, doc.lineCount, 0), 'edited in VS Code\n'));
    assert.ok(await doc.save());
    assert.strictEqual(docker(host, ['exec', id, 'cat', '/etc/motd']), 'edited in VS Code');
    const entries = await vscode.workspace.fs.readDirectory(containerUri('default', id, '/etc'));
    assert.ok(entries.some(([n, t]) => n === 'motd' && t === vscode.FileType.File));
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
    await assert.rejects(
      Promise.resolve(vscode.workspace.fs.readFile(containerUri('default', id, '/etc/none'))),
      (e: vscode.FileSystemError) => e.code === 'FileNotFound',
    );
  });
});
