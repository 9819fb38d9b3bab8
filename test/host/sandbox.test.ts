/**
 * Sandboxes in a real extension host, on the harness's copy of samples/ (its
 * .devcontainer/devcontainer.json uses the locally built busybox image): "Launch Sandbox" from
 * the palette (arguments skip the pickers) ends with a terminal whose command writes into the
 * workspace; the Sandboxes group shows it; terminals come back after a reload; remove leaves
 * nothing on the engine.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import type { PodvisorTestApi } from '../../src/extension';
import { reattachTerminals } from '../../src/commands/sandbox/terminal';
import { docker, ensureBusyboxImage } from '../harness/images';
import { ensureContainerDiskImage } from '../harness/kvImage';
import { until } from '../harness/until';
import { at } from '../harness/pick';
import { skipLoudly } from '../harness/skip';
import { whyNo } from '../harness/env';

describe('sandboxes (in a real extension host)', function () {
  this.timeout(180_000);
  let host: string;
  let pv: PodvisorTestApi;
  let ws: string;
  let name = '';
  const numbers: Record<string, string> = {};

  before(async function () {
    const h = process.env.PODVISOR_TEST_DOCKER_HOST;
    if (!h) skipLoudly(this, `needs docker: ${whyNo('docker')}`);
    host = h;
    ensureBusyboxImage(host);
    pv = await vscode.extensions.getExtension<PodvisorTestApi>('podvisor.podvisor')!.activate();
    ws = at(vscode.workspace.workspaceFolders ?? [], 0).uri.fsPath;
    assert.ok(
      fs.existsSync(path.join(ws, '.devcontainer', 'devcontainer.json')),
      'the workspace is the samples copy',
    );
    await vscode.commands.executeCommand('workbench.view.extension.podvisor');
  });

  after(async function () {
    console.log('    sandbox in-host numbers:');
    for (const [k, v] of Object.entries(numbers)) console.log(`      ${k.padEnd(40)} ${v}`);
    if (name) await vscode.commands.executeCommand('podvisor.sandbox.remove', name, { confirm: false });
    if (host) {
      const left = docker(host, ['ps', '-a', '-q', '--filter', `label=dev.podvisor.sandbox=${name}`]);
      if (left) docker(host, ['rm', '-f', ...left.split('\n')]);
    }
  });

  it('Launch Sandbox from the palette ends with a terminal that runs a command in the workspace', async () => {
    const t0 = performance.now();
    const report = await vscode.commands.executeCommand<
      { name: string; level: string; timings: Array<{ phase: string; ms: number }> } | undefined
    >('podvisor.sandbox.launch', {
      level: 'container',
    });
    assert.ok(report, 'the command returned the launch report (it failed otherwise: see the log)');
    name = report.name;
    numbers['launch → ready'] =
      `${(performance.now() - t0).toFixed(0)} ms (${report.timings.map((t) => `${t.phase} ${t.ms.toFixed(0)}`).join(', ')})`;
    assert.strictEqual(report.level, 'container');
    const term = await until('the sandbox terminal', () =>
      vscode.window.terminals.find((t) => t.name === `Sandbox: ${name}`),
    );
    const marker = path.join(ws, 'from-sandbox-terminal.txt');
    fs.rmSync(marker, { force: true });
    const t1 = performance.now();
    term.sendText('echo "$SAMPLE from $(hostname)" > from-sandbox-terminal.txt');
    const text = await until(
      'the file written by the terminal',
      () => fs.existsSync(marker) && fs.readFileSync(marker, 'utf8'),
      20_000,
    );
    numbers['terminal command → file on host'] = `${(performance.now() - t1).toFixed(0)} ms`;
    assert.match(text, /^podvisor from [0-9a-f]{12}\n$/);
    fs.rmSync(marker, { force: true });
  });

  it('the Sandboxes group shows it with its isolation badge and source', async () => {
    await pv.services.sandboxes.refresh();
    const info = pv.services.sandboxes.sandboxes.find((s) => s.name === name);
    assert.ok(info);
    assert.strictEqual(info.level, 'container');
    assert.strictEqual(info.state, 'running');
    assert.strictEqual(info.source.kind, 'devcontainer');
    assert.strictEqual(info.source.label, 'Podvisor sample workspace');
  });

  it('a terminal open before a window reload comes back (state from workspaceState + engine labels)', async () => {
    const open = pv.services.context.workspaceState.get<string[]>('podvisor.sandbox.openTerminals', []);
    assert.ok(open.includes(name), `remembered: ${open.join(', ')}`);
    // A reload drops extension terminals without a close event; the next activation re-attaches.
    await reattachTerminals(pv.services);
    assert.ok(vscode.window.terminals.some((t) => t.name === `Sandbox: ${name}`));
  });

  it('launching again opens the existing sandbox instead of making a second one', async () => {
    await vscode.commands.executeCommand('podvisor.sandbox.launch', { level: 'container' });
    assert.strictEqual(
      docker(host, ['ps', '-q', '--filter', `label=dev.podvisor.sandbox=${name}`])
        .split('\n')
        .filter(Boolean).length,
      1,
    );
  });

  it('stop, restart (postStartCommand only) and rebuild (re-reads devcontainer.json) from commands', async () => {
    const ids = () => docker(host, ['ps', '-a', '-q', '--filter', `label=dev.podvisor.sandbox=${name}`]);
    const id = ids();
    await vscode.commands.executeCommand('podvisor.sandbox.stop', name);
    assert.strictEqual(docker(host, ['inspect', '-f', '{{.State.Status}}', id]), 'exited');
    await vscode.commands.executeCommand('podvisor.sandbox.restart', name);
    assert.strictEqual(docker(host, ['inspect', '-f', '{{.State.Status}}', id]), 'running');
    // The test edits its own copy of the workspace (Podvisor itself never writes it).
    const file = path.join(ws, '.devcontainer', 'devcontainer.json');
    fs.writeFileSync(
      file,
      fs.readFileSync(file, 'utf8').replace('"SAMPLE": "podvisor"', '"SAMPLE": "rebuilt"'),
    );
    const t0 = performance.now();
    await vscode.commands.executeCommand('podvisor.sandbox.rebuild', name, { terminal: false });
    numbers['rebuild'] = `${(performance.now() - t0).toFixed(0)} ms`;
    const newId = ids();
    assert.ok(newId && newId !== id, 'a new container');
    assert.strictEqual(docker(host, ['exec', newId, 'sh', '-c', 'echo $SAMPLE']), 'rebuilt');
  });

  it('remove deletes the containers; the workspace stays', async () => {
    const before = fs.readdirSync(ws).sort();
    await vscode.commands.executeCommand('podvisor.sandbox.remove', name, { confirm: false });
    assert.strictEqual(
      docker(host, ['ps', '-a', '-q', '--filter', `label=dev.podvisor.sandbox=${name}`]),
      '',
    );
    assert.deepStrictEqual(fs.readdirSync(ws).sort(), before);
    assert.ok(!vscode.window.terminals.some((t) => t.name === `Sandbox: ${name}`));
    name = '';
  });

  it('Run locally on a Pod manifest runs it under the runtime of its RuntimeClass (found in another workspace file)', async function () {
    const runtimes = (process.env.PODVISOR_TEST_RUNTIMES ?? '').split(',');
    if (!runtimes.includes('runsc')) skipLoudly(this, `needs gVisor: ${whyNo('gvisor')}`);
    const dir = path.join(ws, 'pv-host-manifests');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(
      path.join(dir, 'rc.yaml'),
      'apiVersion: node.k8s.io/v1\nkind: RuntimeClass\nmetadata:\n  name: sandboxed\nhandler: runsc\n',
    );
    const pod = path.join(dir, 'pod.yaml');
    fs.writeFileSync(
      pod,
      'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: c }\n---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: hostpod\nspec:\n  runtimeClassName: sandboxed\n  containers:\n  - name: app\n    image: podvisor-test/busybox:1\n    command: ["sh", "-c", "sleep 3600"]\n    resources: { limits: { memory: 64Mi } }\n',
    );
    try {
      const r = await vscode.commands.executeCommand<
        { name: string; level: string; info: { ids: string[] } } | undefined
      >('podvisor.sandbox.runManifest', vscode.Uri.file(pod), 1);
      assert.ok(r, 'the command returned a report (see the log otherwise)');
      assert.strictEqual(r.level, 'gvisor');
      assert.strictEqual(
        docker(host, ['inspect', '-f', '{{.HostConfig.Runtime}} {{.HostConfig.Memory}}', at(r.info.ids, 0)]),
        `runsc ${64 * 1024 * 1024}`,
      );
      await vscode.commands.executeCommand('podvisor.sandbox.remove', r.name, { confirm: false });
      assert.strictEqual(
        docker(host, ['ps', '-a', '-q', '--filter', `label=dev.podvisor.sandbox=${r.name}`]),
        '',
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('Open in sandbox from an image name (the Images tree action)', async () => {
    const r = await vscode.commands.executeCommand<
      { name: string; info: { source: { kind: string } } } | undefined
    >('podvisor.sandbox.launchFromImage', 'podvisor-test/busybox:1', { level: 'container', terminal: false });
    assert.ok(r);
    assert.strictEqual(r.info.source.kind, 'image');
    assert.strictEqual(
      docker(host, [
        'exec',
        docker(host, ['ps', '-q', '--filter', `label=dev.podvisor.sandbox=${r.name}`]),
        'sh',
        '-c',
        'ls /workspaces',
      ]),
      path.basename(ws),
    );
    await vscode.commands.executeCommand('podvisor.sandbox.remove', r.name, { confirm: false });
  });

  it('Launch Sandbox as a microVM: the terminal is the VM console and writes into the workspace', async function () {
    if (process.env.PODVISOR_TEST_ACCEL !== 'kvm' && process.env.PODVISOR_TEST_ACCEL !== 'tcg')
      skipLoudly(this, `needs QEMU: ${whyNo('qemu')}`);
    this.timeout(240_000);
    const t0 = performance.now();
    const r = await vscode.commands.executeCommand<{ name: string; level: string } | undefined>(
      'podvisor.sandbox.launch',
      { level: 'microvm' },
    );
    assert.ok(r, 'the command returned a report (see the log otherwise)');
    name = r.name;
    numbers['microVM launch → ready'] = `${(performance.now() - t0).toFixed(0)} ms`;
    assert.strictEqual(r.level, 'microvm');
    const term = await until('the sandbox terminal', () =>
      vscode.window.terminals.find((t) => t.name === `Sandbox: ${name}`),
    );
    const marker = path.join(ws, 'from-vm-terminal.txt');
    fs.rmSync(marker, { force: true });
    term.sendText('echo "$SAMPLE in $(uname -r)" > from-vm-terminal.txt');
    const text = await until(
      'the file written from the VM console',
      () => fs.existsSync(marker) && fs.readFileSync(marker, 'utf8'),
      30_000,
    );
    // SAMPLE was changed to "rebuilt" by the rebuild test above.
    assert.match(text, /^rebuilt in .*cloud-amd64\n$/);
    fs.rmSync(marker, { force: true });
    await vscode.commands.executeCommand('podvisor.sandbox.remove', name, { confirm: false });
    await pv.services.sandboxes.refresh();
    assert.ok(!pv.services.sandboxes.sandboxes.some((s) => s.name === name));
    name = '';
  });

  it('Run locally on a KubeVirt VMI boots a Podvisor VM from its containerDisk and opens its console', async function () {
    if (process.env.PODVISOR_TEST_ACCEL !== 'kvm' && process.env.PODVISOR_TEST_ACCEL !== 'tcg')
      skipLoudly(this, `needs QEMU: ${whyNo('qemu')}`);
    this.timeout(300_000);
    const image = ensureContainerDiskImage(host);
    const file = path.join(ws, 'pv-host-vmi.yaml');
    fs.writeFileSync(
      file,
      `apiVersion: kubevirt.io/v1
kind: VirtualMachineInstance
metadata:
  name: hostvmi
spec:
  domain:
    memory: { guest: 256Mi }
    firmware:
      kernelBoot:
        container: { image: ${image}, kernelPath: /boot/vmlinuz, initrdPath: /boot/initrd.gz }
        kernelArgs: "console=ttyS0 panic=-1 quiet loglevel=1 pv.root=/dev/vda"
    devices: {}
  volumes:
  - name: root
    containerDisk: { image: ${image} }
`,
    );
    try {
      const r = await vscode.commands.executeCommand<{ vm: string } | undefined>(
        'podvisor.sandbox.runManifest',
        vscode.Uri.file(file),
        0,
      );
      assert.ok(r, 'the command returned the VM (see the log otherwise)');
      assert.strictEqual(r.vm, 'kv-hostvmi');
      await until(
        'the VM console terminal',
        () => vscode.window.terminals.find((t) => t.name.includes('kv-hostvmi')),
        30_000,
      );
      // The VM is an ordinary Podvisor VM: the VMs view's own commands act on it.
      await vscode.commands.executeCommand('podvisor.vm.forceOff', 'kv-hostvmi');
      await until(
        'QEMU gone',
        () =>
          !fs.readdirSync('/proc').some(
            (p) =>
              /^\d+$/.test(p) &&
              (() => {
                try {
                  return fs.readFileSync(`/proc/${p}/cmdline`, 'utf8').includes('kv-hostvmi/qemu.pid');
                } catch {
                  return false;
                }
              })(),
          ),
        15_000,
      );
    } finally {
      fs.rmSync(file, { force: true });
    }
  });
});
