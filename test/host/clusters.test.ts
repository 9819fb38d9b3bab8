/**
 * The Clusters section in a real extension host, against the harness's real API server
 * (PODVISOR_TEST_CLUSTER): contexts from the kubeconfig setting, a namespace's VMs and pods with
 * the isolation badge from the RuntimeClass handler, palette commands that change the real
 * cluster (start/stop through the runStrategy fallback: no virt-api here), and Apply.
 */
import * as assert from 'assert';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import type { PodvisorTestApi } from '../../src/extension';
import type { ClustersSection } from '../../src/tree/clusters/section';
import type { SharedClusterEnv } from '../harness/cluster/shared';
import { until } from '../harness/until';
import { skipLoudly } from '../harness/skip';
import { whyNo } from '../harness/env';

describe('Clusters section (in a real extension host, real API server)', function () {
  this.timeout(180_000);
  let c: SharedClusterEnv;
  let section: ClustersSection;
  const ns = `pv-host-${process.pid}`;
  const kubectl = (args: string[], input?: string) =>
    execFileSync(c.kubectl, [`--kubeconfig=${c.adminKubeconfig}`, ...args], {
      encoding: 'utf8',
      input,
      env: { ...process.env, KUBECONFIG: '' },
    });

  before(async function () {
    const raw = process.env.PODVISOR_TEST_CLUSTER;
    if (!raw) skipLoudly(this, `needs cluster: ${whyNo('cluster')}`);
    c = JSON.parse(raw) as SharedClusterEnv;
    kubectl(['create', 'namespace', ns]);
    kubectl(
      ['apply', '-f', '-'],
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'List',
        items: [
          {
            apiVersion: 'node.k8s.io/v1',
            kind: 'RuntimeClass',
            metadata: { name: 'gvisor' },
            handler: 'runsc',
          },
          {
            apiVersion: 'v1',
            kind: 'Pod',
            metadata: { name: 'sandboxed', namespace: ns },
            spec: {
              runtimeClassName: 'gvisor',
              containers: [{ name: 'main', image: 'podvisor-test/busybox:1' }],
            },
          },
          {
            apiVersion: 'kubevirt.io/v1',
            kind: 'VirtualMachine',
            metadata: { name: 'hostvm', namespace: ns },
            spec: {
              runStrategy: 'Halted',
              template: { spec: { domain: { devices: {}, resources: { requests: { memory: '64Mi' } } } } },
            },
          },
        ],
      }),
    );
    const pv = await vscode.extensions.getExtension<PodvisorTestApi>('podvisor.podvisor')!.activate();
    section = pv.services.clusters;
    await vscode.workspace
      .getConfiguration('podvisor.kubernetes')
      .update('kubeconfig', c.adminKubeconfig, vscode.ConfigurationTarget.Global);
    await vscode.commands.executeCommand('workbench.view.extension.podvisor');
    await until('contexts listed', () => section.contexts().some((x) => x.name === 'pv-admin'));
  });
  after(async function () {
    if (!c) return;
    await vscode.workspace
      .getConfiguration('podvisor.kubernetes')
      .update('kubeconfig', undefined, vscode.ConfigurationTarget.Global);
    try {
      kubectl(['delete', 'namespace', ns, '--wait=false']);
      kubectl(['delete', 'runtimeclass', 'gvisor', '--ignore-not-found']);
    } catch {
      /* best effort */
    }
  });

  it('lists every context (current marked), and the namespace with its VM and its pod (gVisor badge)', async function () {
    const ctx = section.context('pv-admin')!;
    assert.ok(section.context('pv-cert'), 'both contexts of the kubeconfig');
    assert.match(String(ctx.getTreeItem().description), /current/);
    const kids = await until('namespaces', async () => {
      const k = ctx.getChildren();
      return k.some((n) => n.id.endsWith(`:ns:${ns}`)) ? k : undefined;
    });
    const nsNode = kids.find((n) => n.id.endsWith(`:ns:${ns}`))!;
    const kinds = await nsNode.getChildren();
    const vms = kinds.find((k) => k.id.endsWith(':virtualmachines'))!;
    const pods = kinds.find((k) => k.id.endsWith(':pods'))!;
    const vmItem = await until('the VM row', async () => {
      const rows = await vms.getChildren();
      const r = rows[0];
      return r ? r.getTreeItem() : undefined;
    });
    assert.strictEqual(vmItem.label, 'hostvm');
    assert.strictEqual(vmItem.contextValue, 'kube.vm.stopped');
    assert.match(String(vmItem.description), /Halted/);
    const podItem = await until('the pod row with its badge', async () => {
      const r = (await pods.getChildren())[0];
      const t = r && (await r.getTreeItem());
      return t && /gVisor sandbox/.test(String(t.description)) ? t : undefined;
    });
    assert.strictEqual(podItem.label, 'sandboxed');
  });

  it('palette commands start and stop the VM on the real cluster (runStrategy fallback without virt-api)', async function () {
    const ref = { context: 'pv-admin', resource: 'virtualmachines', namespace: ns, name: 'hostvm' };
    await vscode.commands.executeCommand('podvisor.kube.vm.start', ref);
    assert.strictEqual(
      kubectl(['get', 'vm', 'hostvm', '-n', ns, '-o', 'jsonpath={.spec.runStrategy}']),
      'Always',
    );
    await until('the row follows by watch', async () => {
      const store = section.store('pv-admin');
      const s = store.items.get(`virtualmachines/${ns}/hostvm`)?.summary;
      return s?.kind === 'vm' && s.runStrategy === 'Always';
    });
    await vscode.commands.executeCommand('podvisor.kube.vm.stop', ref);
    assert.strictEqual(
      kubectl(['get', 'vm', 'hostvm', '-n', ns, '-o', 'jsonpath={.spec.runStrategy}']),
      'Halted',
    );
  });

  it('Apply (dry run + diff first) creates what the file says', async function () {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'pv-host-apply-')), 'cm.yaml');
    fs.writeFileSync(
      file,
      `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: from-editor\n  namespace: ${ns}\ndata:\n  k: v\n`,
    );
    await vscode.commands.executeCommand('podvisor.kube.apply', vscode.Uri.file(file), { confirm: false });
    assert.strictEqual(
      kubectl(['get', 'configmap', 'from-editor', '-n', ns, '-o', 'jsonpath={.data.k}']),
      'v',
    );
    assert.ok(
      vscode.window.tabGroups.all.some((g) => g.tabs.some((t) => t.input instanceof vscode.TabInputTextDiff)),
      'the diff editor opened',
    );
  });
});
