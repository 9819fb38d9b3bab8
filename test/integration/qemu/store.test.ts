/**
 * The VM store as a refresh-model store, on the real hypervisor: an idle store (safety poll
 * running) delivers nothing; VMs made elsewhere arrive as one change naming exactly them; a QMP
 * event (STOP/RESUME) is a change naming exactly that VM.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { VmStore, type VmHandle } from '../../../src/backends/qemu';
import type { Change } from '../../../src/backends/store';
import { needQemu } from '../../harness/env';
import { ensureGuest, type GuestFixture } from '../../harness/guest';
import { until } from '../../harness/until';

/** A copy, so assertions do not narrow the live array's type. */
const seen = (c: readonly Change[]): Change[] => [...c];
const turns = async (n: number) => {
  for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r));
};

describe('QEMU VM store: one change per thing that changed', function () {
  this.timeout(180_000);
  let accel: 'kvm' | 'tcg';
  let guest: GuestFixture;
  let home: string;
  let store: VmStore;
  let h: VmHandle | undefined;
  const changes: Change[] = [];

  before(async function () {
    accel = needQemu(this);
    guest = ensureGuest();
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'pv-vmstore-'));
    store = new VmStore(home, { accelerator: accel, cpuModel: 'auto' });
    for (const name of ['a', 'b', 'c'])
      await store.create({ name, memoryMiB: 128, source: { kind: 'kernel', kernel: guest.kernel } });
    await turns(3);
    store.onChange((c) => changes.push(c));
  });

  after(async () => {
    if (h && h.state !== 'stopped') {
      h.kill();
      await h.exited;
    }
    store?.dispose();
    if (home) fs.rmSync(home, { recursive: true, force: true });
  });

  it('an idle store delivers no change, though its safety poll keeps re-reading the folder', async () => {
    store.setSafetyPoll(20);
    store.setVisible(true);
    const scans = store.stats.scans;
    await until('five safety polls', () => store.stats.scans >= scans + 5, 20_000, 10);
    assert.deepStrictEqual(seen(changes), []);
    store.setVisible(false);
    assert.strictEqual(store.timerCount, 0, 'a hidden store holds no timer');
  });

  it('VMs made elsewhere (another window) arrive as one change naming exactly them', async () => {
    const other = new VmStore(home, { accelerator: accel, cpuModel: 'auto' });
    const made = ['m1', 'm2', 'm3', 'm4', 'm5'];
    for (const name of made)
      await other.create({ name, memoryMiB: 128, source: { kind: 'kernel', kernel: guest.kernel } });
    other.dispose();
    await turns(3);
    assert.deepStrictEqual(seen(changes), [], 'nothing before the poll looks');
    store.setVisible(true);
    await until('the safety poll finds them', () => changes.length > 0, 20_000, 10);
    await turns(3);
    store.setVisible(false);
    assert.strictEqual(changes.length, 1, JSON.stringify(changes));
    assert.deepStrictEqual([...(changes[0]!.ids as string[])].sort(), made);
    assert.deepStrictEqual(
      store.list().map((v) => v.name),
      ['a', 'b', 'c', ...made],
    );
    changes.length = 0;
  });

  it('a QMP event (STOP, RESUME from the monitor) is a change naming exactly that VM', async function () {
    h = await store.start('b');
    await until('running', () => store.items.get('b')?.state === 'running', 60_000, 10);
    await turns(3);
    changes.length = 0;
    // Through QEMU's monitor, not the store: only the QMP event tells the store.
    await h.qmp.execute('stop');
    await until('paused in the model', () => store.items.get('b')?.state === 'paused', 10_000, 5);
    await turns(3);
    assert.deepStrictEqual(seen(changes), [{ ids: ['b'] }]);
    await h.qmp.execute('cont');
    await until('running again', () => store.items.get('b')?.state === 'running', 10_000, 5);
    await turns(3);
    assert.deepStrictEqual(seen(changes), [{ ids: ['b'] }, { ids: ['b'] }]);
    h.kill();
    await h.exited;
    await until('stopped in the model', () => store.items.get('b')?.state === 'stopped', 10_000, 5);
    await turns(3);
    assert.ok(
      changes.slice(2).every((c) => c.ids !== 'all' && c.ids.length === 1 && c.ids[0] === 'b'),
      JSON.stringify(changes),
    );
  });
});
