/**
 * The libvirt DomainStore as a refresh-model store, on a private daemon: an idle store (event
 * stream up, safety poll running) delivers nothing; a libvirt event is a change naming exactly
 * that domain, read by itself (no listing); a burst of events is fewer changes than events.
 */
import * as assert from 'assert';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { DomainStore } from '../../../src/backends/libvirt/store';
import type { Change } from '../../../src/backends/store';
import { silentLogger } from '../../../src/common/log';
import { needLibvirt, needQemu } from '../../harness/env';
import { ensureGuest } from '../../harness/guest';
import { startPrivateLibvirtd, stopPrivateLibvirtd, type PrivateLibvirtd } from '../../harness/libvirtd';
import { until } from '../../harness/until';
import { prepareGuestDomain } from './helpers';

process.env.LIBVIRT_AUTOSTART = '0';
/** A copy, so assertions do not narrow the live array's type. */
const seen = (c: readonly Change[]): Change[] => [...c];
const turns = async (n: number) => {
  for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r));
};

describe('libvirt DomainStore: one change per thing that changed', function () {
  this.timeout(180_000);
  let daemon: PrivateLibvirtd | undefined;
  let xml: string;
  const stores: DomainStore[] = [];
  const virsh = (...args: string[]) =>
    execFileSync('virsh', ['-c', daemon!.uri, ...args], { encoding: 'utf8', stdio: 'pipe' });
  /** The guest's domain XML under another name (a new domain each time it is defined). */
  const xmlFor = (name: string) => {
    const file = path.join(daemon!.dir, 'files', `${name}.xml`);
    fs.writeFileSync(file, xml.replace(/<name>[^<]*<\/name>/, `<name>${name}</name>`));
    return file;
  };
  const newStore = (safetyPollMs: number) => {
    const s = new DomainStore(daemon!.uri, { virsh: 'virsh', log: silentLogger, safetyPollMs });
    stores.push(s);
    return s;
  };

  before(async function () {
    this.timeout(240_000);
    needLibvirt(this);
    const accel = needQemu(this);
    ensureGuest();
    daemon = await startPrivateLibvirtd(path.join('/tmp', `podvisor-libvirt-store-${process.pid}`));
    xml = fs.readFileSync(prepareGuestDomain(daemon, 'pv-store-base', accel).xmlFile, 'utf8');
    virsh('define', '--file', xmlFor('pv-store-0')); // the first define probes QEMU: not timed by anyone
  });

  after(async function () {
    this.timeout(30_000);
    for (const s of stores) s.dispose();
    if (daemon) await stopPrivateLibvirtd(daemon);
  });

  it('an idle store delivers no change while its event stream and safety poll run', async () => {
    const s = newStore(100);
    const changes: Change[] = [];
    s.onChange((c) => changes.push(c));
    s.setVisible(true);
    await until('ready with the domain', () => s.items.has('pv-store-0'), 20_000, 10);
    await until('the event stream', () => s.eventStreamPid !== undefined, 10_000, 10);
    await turns(3);
    const before = changes.length;
    const lists = s.stats.lists;
    // The stream reports itself connected after 1 s (one more listing); then polls every 100 ms.
    await until('five more listings', () => s.stats.lists >= lists + 5, 20_000, 20);
    assert.deepStrictEqual(changes.slice(before).length, 0);
    s.setVisible(false);
    assert.strictEqual(s.timerCount, 0, 'a hidden store holds no timer');
    assert.strictEqual(s.eventStreamPid, undefined, 'a hidden store runs no virsh');
  });

  it('a libvirt event is a change naming exactly that domain, read without a listing', async () => {
    const s = newStore(0);
    s.setVisible(true);
    await until('ready', () => s.status.kind === 'ready', 20_000, 10);
    await until('the event stream', () => s.eventStreamPid !== undefined, 10_000, 10);
    await new Promise((r) => setTimeout(r, 1500)); // the stream's own "connected" listing comes and goes
    await turns(3);
    const changes: Change[] = [];
    s.onChange((c) => changes.push(c));
    const lists = s.stats.lists;
    virsh('define', '--file', xmlFor('pv-store-ev'));
    await until('the new domain in the model', () => s.items.has('pv-store-ev'), 10_000, 5);
    await turns(3);
    assert.deepStrictEqual(seen(changes), [{ ids: ['pv-store-ev'] }]);
    assert.strictEqual(s.stats.lists, lists, 'no full listing for one event');
    virsh('undefine', 'pv-store-ev');
    await until('gone from the model', () => !s.items.has('pv-store-ev'), 10_000, 5);
    await turns(3);
    assert.deepStrictEqual(seen(changes), [{ ids: ['pv-store-ev'] }, { ids: ['pv-store-ev'] }]);
  });

  it('a burst of events (ten defines in one virsh run) is fewer changes than events', async () => {
    const s = stores[1]!;
    const changes: Change[] = [];
    s.onChange((c) => changes.push(c));
    const names = Array.from({ length: 10 }, (_, i) => `pv-store-b${i}`);
    const events = s.stats.events;
    // One virsh process, ten commands (virsh's own `;` separator: one argument, no shell).
    virsh(names.map((n) => `define --file ${xmlFor(n)}`).join(' ; '));
    await until('all ten in the model', () => names.every((n) => s.items.has(n)), 20_000, 5);
    await turns(3);
    const n = s.stats.events - events;
    console.log(`      ${n} events → ${changes.length} changes`);
    assert.ok(n >= 10, `events: ${n}`);
    assert.ok(changes.length < n, `${changes.length} changes for ${n} events`);
    const named = new Set(changes.flatMap((c) => (c.ids === 'all' ? [] : c.ids)));
    assert.ok(
      changes.every((c) => c.ids === 'all' || c.ids.every((id) => names.includes(id))),
      JSON.stringify(changes),
    );
    assert.ok(names.every((x) => named.has(x)) || changes.some((c) => c.ids === 'all'), 'every domain named');
  });
});
