/**
 * An engine VM in a real extension host: "New Engine VM…" boots it, its containers and images
 * appear under its row with the "container in VM" badge, the Containers section's commands act
 * on its engine, saving it makes its engine rows go and starting it brings them back (the same
 * container still running), and "Copy SSH Command" gives a command line that logs in.
 */
import * as assert from 'assert';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import type { PodvisorTestApi } from '../../src/extension';
import type { TreeNode } from '../../src/tree/node';
import type { VmsSection } from '../../src/tree/vms/section';
import { busyboxRootfs, dockerAsync } from '../harness/images';
import { skipLoudly } from '../harness/skip';
import { until as waitUntil } from '../harness/until';

const NAME = 'pv-host-engine';
const IMG = 'pv-host-engine/busybox:1';

const until = <T>(
  what: string,
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 60_000,
): Promise<T> => waitUntil(what, probe, timeoutMs, 100);

async function labelOf(n: TreeNode): Promise<{ label: string; description: string; contextValue: string }> {
  const item = await n.getTreeItem();
  const label = typeof item.label === 'string' ? item.label : (item.label?.label ?? '');
  return { label, description: String(item.description ?? ''), contextValue: item.contextValue ?? '' };
}

/** Every node under `n` (depth first), children of containers included. */
async function descendants(n: TreeNode, depth = 4): Promise<TreeNode[]> {
  if (depth === 0) return [];
  const out: TreeNode[] = [];
  for (const c of await n.getChildren()) out.push(c, ...(await descendants(c, depth - 1)));
  return out;
}

async function findContainer(section: VmsSection, name: string): Promise<TreeNode | undefined> {
  const vm = section.vmNode(NAME);
  if (!vm) return undefined;
  for (const n of await descendants(vm))
    if ((await labelOf(n)).label === name && (await labelOf(n)).contextValue.startsWith('container.'))
      return n;
  return undefined;
}

describe('Engine VMs (in a real extension host)', function () {
  this.timeout(900_000);
  let home: string;
  let section: VmsSection;
  let endpoint: string;

  before(async function () {
    this.timeout(900_000);
    const accel = process.env.PODVISOR_TEST_ACCEL;
    const image = process.env.PODVISOR_TEST_ENGINE_IMAGE;
    if ((accel !== 'kvm' && accel !== 'tcg') || !image) {
      skipLoudly(
        this,
        `needs QEMU and the engine image: ${process.env.PODVISOR_TEST_WHY_NO_ENGINE_IMAGE ?? process.env.PODVISOR_TEST_WHY_NO_QEMU ?? 'not provided by the test harness'}`,
      );
    }
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'pv-host-engine-'));
    // The image the run built (the same recipe and kernel): where the command looks for it.
    fs.symlinkSync(path.dirname((JSON.parse(image) as { dir: string }).dir), path.join(home, '.images'));
    const pv = await vscode.extensions.getExtension<PodvisorTestApi>('podvisor.podvisor')!.activate();
    section = pv.services.vms;
    await vscode.workspace
      .getConfiguration('podvisor')
      .update('vm.home', home, vscode.ConfigurationTarget.Global);
    // Podvisor's SSH config in the test's folder, not in this machine's ~/.ssh.
    await vscode.workspace
      .getConfiguration('podvisor')
      .update('vm.sshConfigFile', path.join(home, '.ssh', 'config'), vscode.ConfigurationTarget.Global);
    await until('the section follows podvisor.vm.home', () => section.home === home);
    await vscode.commands.executeCommand('workbench.view.extension.podvisor');
    await vscode.commands.executeCommand('podvisor.vm.newEngine', { name: NAME, cpus: 2, memoryMiB: 1024 });
    endpoint = section.engineGroups.info(NAME)!.endpoint!;
    const rootfs = fs.mkdtempSync(path.join(os.tmpdir(), 'pv-host-engine-img-'));
    try {
      busyboxRootfs(rootfs);
      const tar = execFileSync('tar', ['-C', rootfs, '-c', '.'], { maxBuffer: 64 * 1024 * 1024 });
      await dockerAsync(endpoint, ['import', '-c', 'CMD ["/bin/sh"]', '-', IMG], tar);
    } finally {
      fs.rmSync(rootfs, { recursive: true, force: true });
    }
    await dockerAsync(endpoint, [
      'run',
      '-d',
      '--name',
      'pv-eng-c1',
      IMG,
      'sh',
      '-c',
      'while true; do sleep 1; done',
    ]);
  });

  after(async function () {
    const store = section ? await section.ready() : undefined;
    const h = store?.handle(NAME);
    if (h && h.state !== 'stopped') {
      h.kill();
      await h.exited;
    }
    await vscode.workspace
      .getConfiguration('podvisor')
      .update('vm.home', undefined, vscode.ConfigurationTarget.Global);
    await vscode.workspace
      .getConfiguration('podvisor')
      .update('vm.sshConfigFile', undefined, vscode.ConfigurationTarget.Global);
    if (home) fs.rmSync(home, { recursive: true, force: true });
  });

  it("shows the engine VM's containers and images under its row, badged as in the VM", async () => {
    const node = await until('the container under the VM row', () => findContainer(section, 'pv-eng-c1'));
    const { description, contextValue } = await labelOf(node);
    assert.strictEqual(contextValue, 'container.running');
    assert.ok(description.includes(`[container in VM ${NAME}]`), description);
    const vm = section.vmNode(NAME)!;
    const labels = await Promise.all(vm.getChildren().map(async (n) => (await labelOf(n)).label));
    assert.ok(labels.includes('Containers') && labels.includes('Images'), labels.join(', '));
    const rows = await descendants(vm);
    const images = await Promise.all(rows.map(async (n) => (await labelOf(n)).label));
    assert.ok(images.includes(IMG), `the imported image is listed: ${images.join(', ')}`);
    assert.match((await labelOf(vm)).description, /engine ready/);
  });

  it("stops and starts the container from the tree, on the VM's engine", async () => {
    const node = await until('the container node', () => findContainer(section, 'pv-eng-c1'));
    await vscode.commands.executeCommand('podvisor.container.stop', node);
    assert.strictEqual(
      await dockerAsync(endpoint, ['inspect', '-f', '{{.State.Running}}', 'pv-eng-c1']),
      'false',
    );
    await until('the row shows it stopped', async () => {
      const n = await findContainer(section, 'pv-eng-c1');
      return n && (await labelOf(n)).contextValue === 'container.stopped';
    });
    const again = (await findContainer(section, 'pv-eng-c1'))!;
    await vscode.commands.executeCommand('podvisor.container.start', again);
    assert.strictEqual(
      await dockerAsync(endpoint, ['inspect', '-f', '{{.State.Running}}', 'pv-eng-c1']),
      'true',
    );
  });

  it('saving the VM removes its engine rows; starting it brings them back with the container running', async () => {
    await vscode.commands.executeCommand('podvisor.vm.save', NAME);
    const vm = section.vmNode(NAME)!;
    await until('saved', async () => (await labelOf(vm)).contextValue === 'vm.saved');
    const after = await Promise.all(vm.getChildren().map(async (n) => (await labelOf(n)).label));
    assert.ok(!after.includes('Containers'), `no engine rows while saved: ${after.join(', ')}`);
    assert.ok(!fs.existsSync(endpoint.replace(/^unix:\/\//, '')), 'no engine socket while saved');
    await vscode.commands.executeCommand('podvisor.vm.start', NAME);
    const node = await until(
      'the container is back under the VM',
      () => findContainer(section, 'pv-eng-c1'),
      120_000,
    );
    assert.strictEqual((await labelOf(node)).contextValue, 'container.running');
  });

  it('Copy SSH Command gives a command line that logs in to the VM', async () => {
    const line = await vscode.commands.executeCommand<string>('podvisor.vm.copySshCommand', NAME);
    assert.strictEqual(await vscode.env.clipboard.readText(), line);
    const m = /^ssh -F (\S+) (podvisor-\S+)$/.exec(line);
    assert.ok(m, line);
    const [, cfg = '', alias = ''] = m;
    assert.strictEqual(cfg, path.join(home, '.ssh', 'config'), 'the file the setting names');
    const out = execFileSync('ssh', ['-F', cfg, '-o', 'BatchMode=yes', alias, 'cat /etc/hostname'], {
      encoding: 'utf8',
      timeout: 60_000,
    }).trim();
    assert.strictEqual(out, NAME);
  });
});
