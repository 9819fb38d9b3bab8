/**
 * libvirt domains against a real daemon: a private libvirtd (own sockets, stopped by pid) runs
 * the fixture guest (TCG here) as a domain; the backend lists it, follows its events, drives
 * its lifecycle and snapshots, and reaches its serial console.
 */
import * as assert from 'assert';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as path from 'path';
import { LibvirtClient } from '../../../src/backends/libvirt/client';
import { unreachableHint } from '../../../src/backends/libvirt/hints';
import { failureOf } from '../../../src/backends/libvirt/virsh';
import { isCancelled } from '../../../src/common/errors';
import { silentLogger } from '../../../src/common/log';
import { pidsMentioning } from '../../harness/processes';
import { needLibvirt, needQemu } from '../../harness/env';
import { GUEST_MARKER, ensureGuest } from '../../harness/guest';
import { startPrivateLibvirtd, stopPrivateLibvirtd, type PrivateLibvirtd } from '../../harness/libvirtd';
import { ConsoleSession, EventRecorder, prepareGuestDomain, until, type GuestDomain } from './helpers';

process.env.LIBVIRT_AUTOSTART = '0';
const NAME = 'pv guest-1'; // a space on purpose: names are arguments, never shell words
const numbers: Record<string, string> = {};
const ms = (t0: number) => `${(performance.now() - t0).toFixed(0)} ms`;

describe('libvirt: a daemon that is not there', function () {
  before(function () {
    needLibvirt(this);
  });

  it('says why and how to fix it, for listing and for the event stream', async function () {
    this.timeout(20_000);
    const uri = `qemu:///session?socket=/tmp/podvisor-no-such-dir-${process.pid}/libvirt-sock`;
    const c = new LibvirtClient(uri, { virsh: 'virsh', log: silentLogger });
    const err = await c.listDomains().then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(err, 'listing must fail');
    assert.strictEqual(failureOf(err), 'unreachable');
    assert.match(
      (err as Error).message,
      /Failed to connect socket to '.*libvirt-sock': No such file or directory/,
    );
    assert.match(unreachableHint(uri, failureOf(err)), /not running/);
    assert.match(unreachableHint('qemu:///system', 'unreachable'), /systemctl start libvirtd/);
    // The stream keeps retrying with a growing back-off instead of spinning or giving up.
    const rec = new EventRecorder(uri);
    try {
      await until('two failed attempts', () => rec.disconnects.length >= 2 || undefined, 10_000);
      assert.strictEqual(rec.connected, false);
      assert.match(rec.disconnects[0]!.reason, /Failed to connect socket/);
      assert.ok(rec.disconnects[1]!.retryMs > rec.disconnects[0]!.retryMs, JSON.stringify(rec.disconnects));
    } finally {
      rec.dispose();
    }
  });

  it('a daemon that accepts and never answers: cancel and the time limit both stop virsh', async function () {
    this.timeout(30_000);
    const sock = `/tmp/podvisor-hung-libvirtd-${process.pid}.sock`;
    fs.rmSync(sock, { force: true });
    const held: net.Socket[] = [];
    const server = net.createServer((c) => held.push(c)).listen(sock);
    await new Promise((r) => server.once('listening', r));
    try {
      const c = new LibvirtClient(`qemu:///session?socket=${sock}`, { virsh: 'virsh', log: silentLogger });
      const ac = new AbortController();
      const listing = c.listDomains({ signal: ac.signal });
      await until('virsh to connect', () => held.length > 0 || undefined, 10_000);
      assert.strictEqual(pidsMentioning(sock).length, 1, 'one virsh waits for the daemon');
      ac.abort();
      await assert.rejects(listing, (e: unknown) => isCancelled(e));
      await until('virsh to be gone', () => pidsMentioning(sock).length === 0 || undefined, 5_000);
      await assert.rejects(c.listDomains({ timeoutMs: 1_000 }), (e: Error) => {
        assert.strictEqual(failureOf(e), 'failed');
        assert.match(e.message, /^virsh domstats timed out on qemu:\/\/\/session/);
        return true;
      });
      await until('virsh to be gone', () => pidsMentioning(sock).length === 0 || undefined, 5_000);
    } finally {
      for (const h of held) h.destroy();
      server.close();
    }
  });

  it('reports a missing virsh as not installed', async () => {
    const c = new LibvirtClient('qemu:///system', { virsh: '/nonexistent/virsh', log: silentLogger });
    const err = await c.listDomains().then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.strictEqual(failureOf(err), 'not-installed');
    assert.match(unreachableHint('qemu:///system', 'not-installed'), /apt install/);
  });
});

describe('libvirt: the fixture guest as a domain on a private daemon', function () {
  let daemon: PrivateLibvirtd | undefined;
  let client: LibvirtClient;
  let guest: GuestDomain;
  let events: EventRecorder | undefined;
  let console_: ConsoleSession | undefined;

  before(async function () {
    this.timeout(240_000);
    needLibvirt(this);
    const accel = needQemu(this);
    ensureGuest();
    daemon = await startPrivateLibvirtd(path.join('/tmp', `podvisor-libvirt-it-${process.pid}`));
    numbers['daemon start (spawn → virsh answers)'] = `${daemon.startMs} ms`;
    client = new LibvirtClient(daemon.uri, { virsh: 'virsh', log: silentLogger });
    guest = prepareGuestDomain(daemon, NAME, accel);
    events = new EventRecorder(daemon.uri);
    let t0 = performance.now();
    await client.listDomains();
    numbers['first list (empty)'] = ms(t0);
    t0 = performance.now();
    execFileSync('virsh', ['-c', daemon.uri, 'define', '--file', guest.xmlFile], { stdio: 'pipe' });
    numbers['first define (QEMU capabilities probe)'] = ms(t0);
  });

  after(async function () {
    this.timeout(30_000);
    console_?.close();
    events?.dispose();
    if (daemon) await stopPrivateLibvirtd(daemon);
    console.log('\n    libvirt numbers:');
    for (const [k, v] of Object.entries(numbers)) console.log(`      ${k.padEnd(44)} ${v}`);
  });

  it('lists the domain, shut off, with its vCPUs and memory', async () => {
    const times: number[] = [];
    let list = await client.listDomains();
    for (let i = 0; i < 5; i++) {
      const t0 = performance.now();
      list = await client.listDomains();
      times.push(performance.now() - t0);
    }
    numbers['list latency (warm, median of 5)'] = `${times.sort((a, b) => a - b)[2]!.toFixed(0)} ms`;
    const d = list.find((x) => x.name === NAME);
    assert.ok(d, `domain missing from ${JSON.stringify(list)}`);
    assert.strictEqual(d.state, 'shutoff');
    assert.strictEqual(d.vcpus, 1);
    assert.strictEqual(d.memoryKiB, 256 * 1024);
  });

  it('starts: the event says so, the domain is running, the guest prints its marker', async function () {
    this.timeout(180_000);
    await until('event stream up', () => events!.connected || undefined, 10_000);
    const from = events!.events.length;
    const t0 = performance.now();
    await client.act('start', NAME);
    const tReturned = performance.now();
    const ev = await events!.wait((e) => e.domain === NAME && /^Started/.test(e.detail), 10_000, from);
    numbers['start: virsh start returned'] = `${(tReturned - t0).toFixed(0)} ms`;
    numbers['start: call → Started event'] = `${(ev.at - t0).toFixed(0)} ms`;
    assert.strictEqual((await client.domain(NAME))?.state, 'running');
    await until(
      `${GUEST_MARKER} in the serial log`,
      () =>
        (fs.existsSync(guest.serialLog) && fs.readFileSync(guest.serialLog, 'utf8').includes(GUEST_MARKER)) ||
        undefined,
      120_000,
      100,
    );
    numbers['start → guest marker on the serial console'] = ms(t0);
  });

  it('serial console: types a command and reads its output', async function () {
    this.timeout(60_000);
    const { command, args } = client.consoleCommand(NAME);
    console_ = new ConsoleSession(command, args);
    await console_.waitFor(/Escape character is/, 15_000);
    const t0 = performance.now();
    assert.strictEqual(
      (await console_.run('echo $((6*7)); cat /disk/hello.txt')).trim(),
      '42\nhello from the disk',
    );
    numbers['console round trip (command → output)'] = ms(t0);
  });

  it('suspend → paused, resume → running, each seen as an event', async function () {
    this.timeout(30_000);
    let from = events!.events.length;
    let t0 = performance.now();
    await client.act('suspend', NAME);
    let ev = await events!.wait((e) => e.domain === NAME && /^Suspended/.test(e.detail), 10_000, from);
    numbers['suspend: call → event'] = `${(ev.at - t0).toFixed(0)} ms`;
    assert.strictEqual((await client.domain(NAME))?.state, 'paused');
    from = events!.events.length;
    t0 = performance.now();
    await client.act('resume', NAME);
    ev = await events!.wait((e) => e.domain === NAME && /^Resumed/.test(e.detail), 10_000, from);
    numbers['resume: call → event'] = `${(ev.at - t0).toFixed(0)} ms`;
    assert.strictEqual((await client.domain(NAME))?.state, 'running');
  });

  it('restarts the event stream when its virsh dies, and events flow again', async function () {
    this.timeout(30_000);
    const pid = events!.stream.pid;
    assert.ok(pid, 'the stream runs');
    const downs = events!.disconnects.length;
    const ups = events!.connects;
    process.kill(pid, 'SIGKILL');
    await until('the stream to notice', () => events!.disconnects.length > downs || undefined, 5_000);
    assert.ok(events!.disconnects.at(-1)!.retryMs >= 1000, 'it waits before retrying');
    await until('the stream to come back', () => events!.connects > ups || undefined, 15_000);
    assert.notStrictEqual(events!.stream.pid, pid);
    const from = events!.events.length;
    await client.act('suspend', NAME);
    await events!.wait((e) => e.domain === NAME && /^Suspended/.test(e.detail), 10_000, from);
    await client.act('resume', NAME);
    await events!.wait((e) => e.domain === NAME && /^Resumed/.test(e.detail), 10_000, from);
  });

  it('snapshot: create, list, change a file, revert, and the file is back', async function () {
    this.timeout(180_000);
    assert.deepStrictEqual(await client.snapshots(NAME), []);
    assert.strictEqual(
      (await console_!.run('echo before > /disk/state.txt; sync; cat /disk/state.txt')).trim(),
      'before',
    );
    let t0 = performance.now();
    await client.createSnapshot(NAME, 'pv-snap1', 'integration test');
    numbers['snapshot create (running, with memory)'] = ms(t0);
    const snaps = await client.snapshots(NAME);
    assert.deepStrictEqual(
      snaps.map((s) => [s.name, s.state, s.current]),
      [['pv-snap1', 'running', true]],
    );
    assert.strictEqual(
      (await console_!.run('echo after > /disk/state.txt; sync; cat /disk/state.txt')).trim(),
      'after',
    );
    t0 = performance.now();
    await client.revertSnapshot(NAME, 'pv-snap1');
    numbers['snapshot revert'] = ms(t0);
    assert.strictEqual((await client.domain(NAME))?.state, 'running');
    // The reverted guest keeps its pty; a fresh console session proves it answers.
    console_!.close();
    const { command, args } = client.consoleCommand(NAME);
    console_ = new ConsoleSession(command, args);
    await console_.waitFor(/Escape character is/, 15_000);
    assert.strictEqual((await console_.run('cat /disk/state.txt')).trim(), 'before');
    await client.deleteSnapshot(NAME, 'pv-snap1');
    assert.deepStrictEqual(await client.snapshots(NAME), []);
  });

  it("rejects bad names before virsh sees them, and reports virsh's reason for unknown ones", async () => {
    await assert.rejects(client.act('start', '--help'), /must not start with "-"/);
    await assert.rejects(client.createSnapshot(NAME, 'bad name', undefined), /Invalid snapshot name/);
    const err = await client.act('start', 'no-such-domain').then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.strictEqual(failureOf(err), 'no-domain');
    assert.match((err as Error).message, /no-such-domain/);
    assert.strictEqual(await client.domain('no-such-domain'), undefined);
  });

  it('destroy → shut off, seen as an event', async function () {
    this.timeout(30_000);
    console_?.close();
    console_ = undefined;
    const from = events!.events.length;
    const t0 = performance.now();
    await client.act('destroy', NAME);
    const ev = await events!.wait((e) => e.domain === NAME && /^Stopped/.test(e.detail), 10_000, from);
    numbers['destroy: call → event'] = `${(ev.at - t0).toFixed(0)} ms`;
    assert.strictEqual((await client.domain(NAME))?.state, 'shutoff');
  });

  it('reboot and shutdown ask the guest over ACPI: it boots again, then powers off', async function () {
    this.timeout(240_000);
    fs.writeFileSync(guest.serialLog, '');
    await client.act('start', NAME);
    await until(
      `${GUEST_MARKER} in the serial log`,
      () => fs.readFileSync(guest.serialLog, 'utf8').includes(GUEST_MARKER) || undefined,
      120_000,
      100,
    );
    // The guest answers the power button with its acpid (started before the marker).
    // Reboot (ACPI, then libvirt resets the guest): the guest boots again and prints a second marker.
    const markers = () => fs.readFileSync(guest.serialLog, 'utf8').split(GUEST_MARKER).length - 1;
    const before = markers();
    let from = events!.events.length;
    let t0 = performance.now();
    await client.act('reboot', NAME);
    await events!.wait((e) => e.domain === NAME && e.kind === 'reboot', 60_000, from);
    await until('a second boot marker', () => markers() > before || undefined, 120_000, 100);
    numbers['reboot (ACPI) → marker again'] = ms(t0);
    assert.strictEqual((await client.domain(NAME))?.state, 'running');
    from = events!.events.length;
    t0 = performance.now();
    await client.act('shutdown', NAME);
    await events!.wait((e) => e.domain === NAME && /^Stopped/.test(e.detail), 60_000, from);
    numbers['shutdown (ACPI) → stopped event'] = ms(t0);
    assert.strictEqual((await client.domain(NAME))?.state, 'shutoff');
  });

  it("dispose stops the event stream's virsh", async () => {
    const rec = new EventRecorder(daemon!.uri);
    await until('the stream to connect', () => rec.connected || undefined, 20_000);
    const pid = rec.stream.pid;
    assert.ok(pid && fs.existsSync(`/proc/${pid}`), 'virsh event runs');
    rec.dispose();
    await until('virsh event to be gone', () => !fs.existsSync(`/proc/${pid}`) || undefined, 10_000);
  });
});
