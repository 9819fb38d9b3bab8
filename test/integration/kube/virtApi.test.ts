import * as assert from 'assert';
import type { Duplex } from 'stream';
import { needCluster, needQemu } from '../../harness/env';
import type { SharedClusterEnv } from '../../harness/cluster/shared';
import { KubevirtSubresourceDouble } from '../../harness/cluster/kubevirtDouble';
import { runSlot } from '../../harness/slot';
import { pidRuns } from '../../harness/processes';
import { GUEST_PROMPT } from '../../harness/guest';
import { KubeHttp } from '../../../src/backends/kube/http';
import { loadKubeconfig } from '../../../src/backends/kube/kubeconfig';
import { vmAction } from '../../../src/backends/kube/actions';
import { openVmStream } from '../../../src/backends/kube/console';
import type { KubeStore } from '../../../src/backends/kube/store';
import { itemId } from '../../../src/backends/kube/model';
import { kubectl, newStore, uniqueNs, until, vm, yamlDocs } from './helpers';

function httpOf(kubeconfig: string): KubeHttp {
  const set = loadKubeconfig({ explicit: kubeconfig });
  return new KubeHttp(set.configFor(set.current), set.current);
}

/** Reads from a stream until `re` matches what arrived; liveness-bounded. */
function readUntil(s: Duplex, re: RegExp, timeoutMs = 120_000): Promise<string> {
  return new Promise((resolve, reject) => {
    let buf = '';
    const t = setTimeout(() => {
      s.off('data', on);
      reject(new Error(`timed out waiting for ${re} in: ${JSON.stringify(buf.slice(-300))}`));
    }, timeoutMs);
    const on = (d: Buffer) => {
      buf += d.toString('latin1');
      if (re.test(buf)) {
        clearTimeout(t);
        s.off('data', on);
        resolve(buf);
      }
    };
    s.on('data', on);
  });
}

/**
 * VM actions through the real aggregation layer to the KubeVirt subresource API test double
 * (test/harness/cluster/kubevirtDouble.ts), whose console and VNC streams reach a real QEMU guest.
 */
describe('KubeVirt VM actions and console through the aggregation layer (virt-api test double, real QEMU guest)', function () {
  this.timeout(300_000);
  let c: SharedClusterEnv;
  let double: KubevirtSubresourceDouble | undefined;
  let http: KubeHttp;
  let ns: string;
  let store: KubeStore | undefined;
  const streams: Duplex[] = [];

  before(async function () {
    c = needCluster(this);
    const accel = needQemu(this);
    double = await KubevirtSubresourceDouble.start({
      clusterDir: c.dir,
      server: c.server || loadKubeconfig({ explicit: c.adminKubeconfig }).contexts[0]!.server,
      kubectl: c.kubectl,
      adminKubeconfig: c.adminKubeconfig,
      slot: runSlot(),
      accel,
      log: console.log,
    });
    http = httpOf(c.adminKubeconfig);
    ns = uniqueNs('pv-virt');
    await kubectl(c, c.adminKubeconfig, ['create', 'namespace', ns]);
    await kubectl(c, c.adminKubeconfig, ['apply', '-f', '-'], yamlDocs(vm('g1', ns, 'Halted')));
    store = newStore(c.adminKubeconfig);
    await store.whenSynced();
  });
  after(async function () {
    for (const s of streams) s.destroy();
    store?.dispose();
    http?.dispose();
    await double?.stop();
    if (c && ns)
      await kubectl(c, c.adminKubeconfig, ['delete', 'namespace', ns, '--wait=false']).catch(() => undefined);
  });

  it('start goes through subresources.kubevirt.io: a real guest boots, the VMI and VM status follow by watch', async function () {
    const r = await vmAction(http, ns, 'g1', 'start');
    assert.strictEqual(r.via, 'subresource');
    assert.ok(double!.guestPid(ns, 'g1'), 'a QEMU process runs for g1');
    assert.ok(
      double!.calls.some((x) => x.path.endsWith('/virtualmachines/g1/start') && x.user === 'admin'),
      'the aggregation layer named the caller',
    );
    await until('VMI Running in the model', () => {
      const s = store!.items.get(itemId('virtualmachineinstances', ns, 'g1'))?.summary;
      return s?.kind === 'vmi' && s.phase === 'Running' && s.ips.includes('10.0.2.15');
    });
    await until('VM Running in the model', () => {
      const s = store!.items.get(itemId('virtualmachines', ns, 'g1'))?.summary;
      return s?.kind === 'vm' && s.printableStatus === 'Running' && s.runStrategy === 'Always' && s.ready;
    });
  });

  it('the serial console (plain.kubevirt.io) talks to the real guest', async function () {
    const con = await openVmStream(http, ns, 'g1', 'console');
    streams.push(con);
    con.write('\n');
    await readUntil(con, new RegExp(GUEST_PROMPT.replace(/[#$]/g, '\\$&')));
    con.write('echo pv-$((6*7))\n');
    await readUntil(con, /pv-42/);
    con.destroy();
  });

  it('VNC reaches QEMU’s VNC server (RFB greeting)', async function () {
    const v = await openVmStream(http, ns, 'g1', 'vnc');
    streams.push(v);
    assert.match(await readUntil(v, /RFB \d{3}\.\d{3}\n/, 30_000), /^RFB 003\.008/);
    v.destroy();
  });

  it('pause and unpause change the guest’s own run state (QMP)', async function () {
    await vmAction(http, ns, 'g1', 'pause');
    assert.strictEqual(await double!.guestStatus(ns, 'g1'), 'paused');
    await until('VMI paused in the model', () => {
      const s = store!.items.get(itemId('virtualmachineinstances', ns, 'g1'))?.summary;
      return s?.kind === 'vmi' && s.paused;
    });
    await vmAction(http, ns, 'g1', 'unpause');
    assert.strictEqual(await double!.guestStatus(ns, 'g1'), 'running');
  });

  it('restart boots a new guest; migrate creates a migration object', async function () {
    const before = double!.guestPid(ns, 'g1');
    await vmAction(http, ns, 'g1', 'restart');
    const after = double!.guestPid(ns, 'g1');
    assert.ok(after && after !== before, `new QEMU pid (${before} → ${after})`);
    await vmAction(http, ns, 'g1', 'migrate');
    const migrations = JSON.parse(
      await kubectl(c, c.adminKubeconfig, ['get', 'vmim', '-n', ns, '-o', 'json']),
    ).items;
    assert.deepStrictEqual(
      migrations.map((m: { spec: { vmiName: string } }) => m.spec.vmiName),
      ['g1'],
    );
  });

  it('the limited user is refused by the subresource API’s own authorization (SubjectAccessReview)', async function () {
    const alice = httpOf(c.aliceKubeconfig);
    try {
      await assert.rejects(vmAction(alice, ns, 'g1', 'stop'), /forbidden|Forbidden|cannot/);
    } finally {
      alice.dispose();
    }
    assert.ok(double!.guestPid(ns, 'g1'), 'still running');
  });

  it('stop halts the guest, removes the VMI and sets runStrategy Halted', async function () {
    const pid = double!.guestPid(ns, 'g1')!;
    await vmAction(http, ns, 'g1', 'stop');
    assert.strictEqual(double!.guestPid(ns, 'g1'), undefined);
    // The double stops QEMU; it may take a moment to exit (liveness bound, not a timing check).
    await until('QEMU exited', () => !pidRuns(pid));
    await until('VMI gone', () => !store!.items.has(itemId('virtualmachineinstances', ns, 'g1')));
    const v = JSON.parse(await kubectl(c, c.adminKubeconfig, ['get', 'vm', 'g1', '-n', ns, '-o', 'json']));
    assert.strictEqual(v.spec.runStrategy, 'Halted');
    assert.strictEqual(v.status.printableStatus, 'Stopped');
  });
});
