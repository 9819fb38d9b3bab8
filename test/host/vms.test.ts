/**
 * Podvisor-managed QEMU VMs in a real extension host: a VM created from a spec file appears in
 * the Workloads tree, starts from a palette command, shows "running" from QMP events, its
 * serial console opens in a terminal, and a palette command stops it (ACPI shutdown).
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import type { PodvisorTestApi } from '../../src/extension';
import type { VmsSection } from '../../src/tree/vms/section';
import { ensureGuest, GUEST_MARKER, GUEST_PROMPT } from '../harness/guest';
import { until as waitUntil } from '../harness/until';
import { skipLoudly } from '../harness/skip';
import { whyNo } from '../harness/env';

const NAME = 'pv-host-vm';

const until = <T>(
  what: string,
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 30_000,
): Promise<T> => waitUntil(what, probe, timeoutMs, 50);

describe('QEMU VMs (in a real extension host)', function () {
  this.timeout(300_000);
  let home: string;
  let section: VmsSection;
  let pv: PodvisorTestApi;

  before(async function () {
    this.timeout(300_000);
    const accel = process.env.PODVISOR_TEST_ACCEL;
    if (accel !== 'kvm' && accel !== 'tcg') skipLoudly(this, `needs QEMU: ${whyNo('qemu')}`);
    const guest = ensureGuest();
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'pv-host-vms-'));
    pv = await vscode.extensions.getExtension<PodvisorTestApi>('podvisor.podvisor')!.activate();
    section = pv.services.vms;
    assert.ok(section, 'the Virtual Machines section is registered');
    await vscode.workspace
      .getConfiguration('podvisor')
      .update('vm.home', home, vscode.ConfigurationTarget.Global);
    await until('the section follows podvisor.vm.home', () => section.home === home);
    const specFile = path.join(home, '..', `${path.basename(home)}-spec.yaml`);
    fs.writeFileSync(
      specFile,
      [
        `name: ${NAME}`,
        'memoryMiB: 192',
        'from:',
        `  kernel: ${guest.kernel}`,
        `  initrd: ${guest.initrd}`,
        `  cmdline: "${guest.cmdline}"`,
        '',
      ].join('\n'),
    );
    await vscode.commands.executeCommand('podvisor.vm.createFromSpec', specFile);
    fs.rmSync(specFile, { force: true });
    await vscode.commands.executeCommand('workbench.view.extension.podvisor');
  });

  after(async function () {
    for (const t of vscode.window.terminals) if (t.name.includes(NAME)) t.dispose();
    const store = section ? await section.ready() : undefined;
    const h = store?.handle(NAME);
    if (h && h.state !== 'stopped') {
      h.kill();
      await h.exited;
    }
    await vscode.workspace
      .getConfiguration('podvisor')
      .update('vm.home', undefined, vscode.ConfigurationTarget.Global);
    if (home) fs.rmSync(home, { recursive: true, force: true });
  });

  it('shows the VM, stopped, in the Workloads tree', async () => {
    const roots = await pv.services.tree.getChildren();
    const group = roots.find((n) => n.id === 'vms:group');
    assert.ok(group, 'Virtual Machines group');
    const kids = await group.getChildren();
    const node = kids.find((n) => n.id === `vm:${NAME}`);
    assert.ok(node, `VM row among ${kids.map((k) => k.id).join(', ')}`);
    const item = await node.getTreeItem();
    assert.strictEqual(item.contextValue, 'vm.stopped');
  });

  it('starts from the palette; the row turns running with the accelerator shown; the console opens', async () => {
    await vscode.commands.executeCommand('podvisor.vm.start', NAME);
    const item = await until('the row says running', async () => {
      const it = section.vmNode(NAME)?.getTreeItem();
      return it?.contextValue === 'vm.running' ? it : undefined;
    });
    assert.match(String(item.description), /running · 1 vCPU · 192 MiB · (TCG|KVM)/);
    const term = await vscode.commands.executeCommand<vscode.Terminal>('podvisor.vm.console', NAME);
    assert.ok(term && vscode.window.terminals.includes(term), 'a terminal for the serial console');
    const store = await section.ready();
    await store.handle(NAME)!.serial.waitFor(GUEST_MARKER, 180_000, 0);
    await store.handle(NAME)!.serial.waitFor(GUEST_PROMPT, 60_000, 0);
    // Input typed into the terminal reaches the guest.
    const from = store.handle(NAME)!.serial.output.length;
    term.sendText('echo typed-$((40+2))');
    await store.handle(NAME)!.serial.waitFor('typed-42', 30_000, from);
  });

  it('stops from the palette (ACPI shutdown) and the row turns stopped', async () => {
    await vscode.commands.executeCommand('podvisor.vm.shutdown', NAME);
    await until(
      'the row says stopped',
      async () => section.vmNode(NAME)?.getTreeItem()?.contextValue === 'vm.stopped',
      60_000,
    );
    const store = await section.ready();
    assert.ok(!fs.existsSync(store.paths(NAME).pidfile), 'no pidfile left');
  });

  it('refreshes the section quickly with 50 VMs defined', async () => {
    const store = await section.ready();
    const guest = ensureGuest();
    for (let i = 0; i < 49; i++)
      await store.create({
        name: `many-${String(i).padStart(2, '0')}`,
        source: { kind: 'kernel', kernel: guest.kernel },
      });
    const times: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t0 = performance.now();
      await section.refresh();
      const kids = section.children();
      times.push(performance.now() - t0);
      assert.strictEqual(kids.length, 50);
    }
    times.sort((a, b) => a - b);
    console.log(`    VM section refresh with 50 VMs: median ${times[2]!.toFixed(2)} ms (budget 50 ms)`);
    assert.ok(times[2]! < 50, `median refresh ${times[2]} ms`);
  });
});
