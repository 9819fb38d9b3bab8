/**
 * libvirt domains in a real extension host: the harness's private libvirtd (test/harness/
 * engines.ts → PODVISOR_TEST_LIBVIRT_DAEMON) runs the fixture guest as a domain; the tree shows
 * it (and a URI whose daemon isn't there as a reason + hint), follows an outside change through
 * `virsh event`, palette commands act on it, and the console terminal reaches the guest.
 */
import * as assert from 'assert';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import type { PodvisorTestApi } from '../../src/extension';
import { startPrivateLibvirtd, stopPrivateLibvirtd, type PrivateLibvirtd } from '../harness/libvirtd';
import { GUEST_MARKER } from '../harness/guest';
import { prepareGuestDomain, type GuestDomain } from '../integration/libvirt/helpers';
import type { LibvirtSection } from '../../src/tree/libvirt/section';
import type { LibvirtGroup } from '../../src/tree/libvirt/group';
import { until } from '../harness/until';
import { skipLoudly } from '../harness/skip';
import { whyNo } from '../harness/env';

const NAME = 'pv-host-guest';
const BOGUS = `qemu:///session?socket=/tmp/podvisor-no-daemon-${process.pid}/libvirt-sock`;

async function itemOf(g: LibvirtGroup, name: string): Promise<vscode.TreeItem | undefined> {
  const n = g.domainNode(name);
  return n ? n.getTreeItem() : undefined;
}

describe('libvirt domains (in a real extension host)', function () {
  this.timeout(240_000);
  let daemon: PrivateLibvirtd;
  let guest: GuestDomain;
  let section: LibvirtSection;
  const virsh = (...args: string[]) =>
    execFileSync('virsh', ['-c', daemon.uri, ...args], { encoding: 'utf8', stdio: 'pipe' });
  const numbers: Record<string, string> = {};

  before(async function () {
    const raw = process.env.PODVISOR_TEST_LIBVIRT_DAEMON;
    const accel = process.env.PODVISOR_TEST_ACCEL;
    if (!raw) skipLoudly(this, `needs the harness's libvirtd: ${whyNo('libvirt')}`);
    if (accel !== 'kvm' && accel !== 'tcg') skipLoudly(this, `needs QEMU: ${whyNo('qemu')}`);
    daemon = JSON.parse(raw) as PrivateLibvirtd;
    guest = prepareGuestDomain(daemon, NAME, accel);
    virsh('define', '--file', guest.xmlFile);
    virsh('start', NAME);
    const pv = await vscode.extensions.getExtension<PodvisorTestApi>('podvisor.podvisor')!.activate();
    section = pv.services.libvirt;
    assert.ok(section, 'the libvirt section is registered');
    await vscode.workspace
      .getConfiguration('podvisor')
      .update('libvirt.uris', [daemon.uri, BOGUS], vscode.ConfigurationTarget.Global);
    await until(
      'the groups follow the setting',
      () => section.allGroups.map((g) => g.uri).join(' ') === `${daemon.uri} ${BOGUS}`,
    );
    // Show the view, so the section runs its event streams.
    await vscode.commands.executeCommand('workbench.view.extension.podvisor');
    await until('the Workloads view is visible', () => pv.services.tree.view.visible, 20_000);
  });

  after(async function () {
    for (const t of vscode.window.terminals) if (t.name.startsWith(NAME)) t.dispose();
    await vscode.workspace
      .getConfiguration('podvisor')
      .update('libvirt.uris', undefined, vscode.ConfigurationTarget.Global);
    if (daemon) {
      try {
        virsh('destroy', NAME);
      } catch {
        /* not running */
      }
      try {
        virsh('undefine', NAME);
      } catch {
        /* not defined */
      }
    }
    console.log('    libvirt in-host numbers:');
    for (const [k, v] of Object.entries(numbers)) console.log(`      ${k.padEnd(40)} ${v}`);
  });

  it('shows the domain under its URI group, running, with vCPUs and memory', async () => {
    const g = section.group(daemon.uri)!;
    const t0 = performance.now();
    const roots = section.roots();
    assert.ok(roots.includes(g));
    const item = await until('the domain row', async () => {
      g.getChildren();
      return itemOf(g, NAME);
    });
    numbers['tree shows the domain'] = `${(performance.now() - t0).toFixed(0)} ms`;
    assert.strictEqual(item.contextValue, 'domain.running');
    assert.match(String(item.description), /running · 1 vCPU · 256 MiB/);
    assert.strictEqual(item.label, NAME);
    const gi = g.getTreeItem();
    assert.match(String(gi.description), /1 running \/ 1/);
  });

  it('shows a URI whose daemon is not running as a reason with a hint', async () => {
    const g = section.group(BOGUS)!;
    await until('the error state', async () => {
      g.getChildren();
      return g.getTreeItem().contextValue === 'libvirt.group.error';
    });
    const [msg] = g.getChildren();
    const item = await msg!.getTreeItem();
    assert.match(
      typeof item.label === 'string' ? item.label : (item.label?.label ?? ''),
      /Failed to connect socket/,
    );
    assert.match(String(item.description), /not running/);
    // …and the other group is unaffected.
    assert.strictEqual(section.group(daemon.uri)!.getTreeItem().contextValue, 'libvirt.group.ok');
  });

  it('picks up a daemon that starts later, and notices when it stops, without a manual refresh', async function () {
    this.timeout(90_000);
    const dir = path.join('/tmp', `podvisor-libvirt-late-${process.pid}`);
    const lateUri = `qemu:///session?socket=${dir}/run/libvirt/libvirt-sock`;
    await vscode.workspace
      .getConfiguration('podvisor')
      .update('libvirt.uris', [daemon.uri, BOGUS, lateUri], vscode.ConfigurationTarget.Global);
    const late = await until('the third group', () => section.group(lateUri));
    await until('the late group in error', async () => {
      late.getChildren();
      return late.getTreeItem().contextValue === 'libvirt.group.error';
    });
    let d: PrivateLibvirtd | undefined;
    try {
      d = await startPrivateLibvirtd(dir);
      const t0 = performance.now();
      await until(
        'the late group to connect by itself',
        () => late.getTreeItem().contextValue === 'libvirt.group.ok',
        45_000,
        100,
      );
      numbers['daemon started → group ok (back-off)'] = `${(performance.now() - t0).toFixed(0)} ms`;
      assert.strictEqual(late.getChildren()[0] !== undefined, true);
      await stopPrivateLibvirtd(d, false);
      const t1 = performance.now();
      await until(
        'the late group to notice the daemon is gone',
        () => late.getTreeItem().contextValue === 'libvirt.group.error',
        20_000,
        100,
      );
      numbers['daemon stopped → group error'] = `${(performance.now() - t1).toFixed(0)} ms`;
    } finally {
      if (d) await stopPrivateLibvirtd(d);
      await vscode.workspace
        .getConfiguration('podvisor')
        .update('libvirt.uris', [daemon.uri, BOGUS], vscode.ConfigurationTarget.Global);
      await until('back to two groups', () => section.allGroups.length === 2);
    }
  });

  it('adds and removes a connection through its commands', async () => {
    const extra = 'test:///default'; // libvirt's built-in test driver: no daemon needed
    await vscode.commands.executeCommand('podvisor.libvirt.addConnection', extra);
    const g = await until('the new group', () => section.group(extra));
    await until('its domains', async () => {
      g.getChildren();
      return g.domainNode('test');
    });
    await vscode.commands.executeCommand('podvisor.libvirt.removeConnection', g);
    await until('the group gone', () => !section.group(extra));
    assert.deepStrictEqual(
      section.allGroups.map((x) => x.uri),
      [daemon.uri, BOGUS],
    );
  });

  it('follows a change made outside (virsh suspend) through the event stream', async () => {
    const g = section.group(daemon.uri)!;
    await until('the event stream', () => g.eventStreamPid !== undefined);
    await new Promise((r) => setTimeout(r, 1200)); // let the stream settle (it reports after 1 s)
    const t0 = performance.now();
    virsh('suspend', NAME);
    await until(
      'paused in the tree',
      async () => (await itemOf(g, NAME))?.contextValue === 'domain.paused',
      10_000,
      10,
    );
    numbers['outside suspend → tree row (event)'] = `${(performance.now() - t0).toFixed(0)} ms`;
    virsh('resume', NAME);
    await until(
      'running in the tree',
      async () => (await itemOf(g, NAME))?.contextValue === 'domain.running',
      10_000,
      10,
    );
  });

  it('palette commands pause and resume it', async () => {
    const g = section.group(daemon.uri)!;
    const ref = { uri: daemon.uri, name: NAME };
    await vscode.commands.executeCommand('podvisor.libvirt.suspend', ref);
    assert.strictEqual((await itemOf(g, NAME))?.contextValue, 'domain.paused');
    assert.match(virsh('domstate', '--domain', NAME), /paused/);
    await vscode.commands.executeCommand('podvisor.libvirt.resume', g.domainNode(NAME));
    assert.strictEqual((await itemOf(g, NAME))?.contextValue, 'domain.running');
    assert.match(virsh('domstate', '--domain', NAME), /running/);
  });

  it('snapshot commands: take one, list it', async () => {
    const ref = { uri: daemon.uri, name: NAME };
    await vscode.commands.executeCommand('podvisor.libvirt.snapshotCreate', ref, 'host-snap');
    const snaps = await vscode.commands.executeCommand<Array<{ name: string; current: boolean }>>(
      'podvisor.libvirt.snapshots',
      ref,
      { quiet: true },
    );
    assert.deepStrictEqual(
      snaps.map((s) => [s.name, s.current]),
      [['host-snap', true]],
    );
    virsh('snapshot-delete', '--domain', NAME, '--snapshotname', 'host-snap');
  });

  it('the console command opens a terminal whose input reaches the guest', async () => {
    await until(
      `${GUEST_MARKER} in the serial log`,
      () => fs.readFileSync(guest.serialLog, 'utf8').includes(GUEST_MARKER),
      120_000,
      200,
    );
    const term = await vscode.commands.executeCommand<vscode.Terminal>('podvisor.libvirt.console', {
      uri: daemon.uri,
      name: NAME,
    });
    assert.ok(term, 'a terminal');
    assert.strictEqual(term.name, `${NAME} (serial)`);
    const pid = await until('the virsh process', async () => await term.processId, 20_000);
    // The pty host forks, then execs: until the exec, the child's cmdline is still the pty
    // host's own. Wait for the exec (a liveness bound), then check what runs.
    const cmdline = () => fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    await until('the terminal process to exec', () => !cmdline().includes('--type=ptyHost'), 20_000, 50);
    assert.match(cmdline(), /virsh\0-c\0.*\0console\0--domain\0pv-host-guest\0--force/);
    await new Promise((r) => setTimeout(r, 1500)); // virsh attaches
    term.sendText('echo PV-HOST-$((6*7))');
    await until(
      'the typed command echoed by the guest',
      () => /PV-HOST-42/.test(fs.readFileSync(guest.serialLog, 'utf8')),
      20_000,
      100,
    );
    term.dispose();
  });

  it('the shutdown command stops it (ACPI), and the tree shows it shut off through the event', async function () {
    this.timeout(120_000);
    const g = section.group(daemon.uri)!;
    const t0 = performance.now();
    await vscode.commands.executeCommand('podvisor.libvirt.shutdown', { uri: daemon.uri, name: NAME });
    await until(
      'shut off in the tree',
      async () => (await itemOf(g, NAME))?.contextValue === 'domain.shutoff',
      90_000,
      50,
    );
    numbers['shutdown command → tree shut off'] = `${(performance.now() - t0).toFixed(0)} ms`;
    assert.match(virsh('domstate', '--domain', NAME), /shut off/);
    assert.match(String(g.getTreeItem().description), /0 running \/ 1/);
  });
});
