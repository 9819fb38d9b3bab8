/**
 * "Apply to cluster" without a cluster: no Kubernetes API server can run here, so the error paths
 * are exercised with the real kubectl (when installed) against what there is — no kubeconfig, a
 * context whose server refuses connections, and a server that accepts and never answers (cancel).
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import {
  applyManifest,
  currentContext,
  findKubectl,
  KUBECTL_NOT_FOUND,
  requireKubectl,
} from '../../../../src/commands/manifest/kubectl';
import { skipLoudly } from '../../../harness/skip';

const POD =
  'apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - name: a\n    image: busybox\n';

function kubeconfig(dir: string, server: string): string {
  const f = path.join(dir, `kubeconfig-${server.replace(/\W/g, '_')}`);
  fs.writeFileSync(
    f,
    `apiVersion: v1
kind: Config
clusters:
- name: c
  cluster:
    server: ${server}
    insecure-skip-tls-verify: true
contexts:
- name: dev
  context:
    cluster: c
    user: u
current-context: dev
users:
- name: u
  user:
    token: t
`,
  );
  return f;
}

describe('kubectl for "Apply to cluster"', () => {
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'podvisor-kubectl-'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('reports a missing kubectl with what to do', () => {
    const env = { PATH: path.join(dir, 'empty') };
    assert.equal(findKubectl(env), undefined);
    assert.throws(
      () => requireKubectl(env),
      (e: Error & { code?: string }) => e.message === KUBECTL_NOT_FOUND && e.code === 'PODVISOR_USER_ERROR',
    );
  });

  describe('with the real kubectl', function () {
    let kubectl: string;
    before(function () {
      const k = findKubectl();
      if (!k) skipLoudly(this, 'no kubectl on PATH (the missing-kubectl path above still ran)');
      kubectl = k;
    });

    it('reports "no cluster context" with kubectl\'s own reason', async () => {
      const env = { KUBECONFIG: path.join(dir, 'does-not-exist') };
      await assert.rejects(
        currentContext(kubectl, undefined, env),
        (e: Error & { code?: string }) =>
          /^No Kubernetes cluster context: kubectl config current-context failed \(error: current-context is not set\)/.test(
            e.message,
          ) && e.code === 'PODVISOR_USER_ERROR',
      );
    });

    it('reads the context, and reports an unreachable cluster as kubectl says it', async () => {
      const env = { KUBECONFIG: kubeconfig(dir, 'https://127.0.0.1:1') };
      assert.equal(await currentContext(kubectl, undefined, env), 'dev');
      await assert.rejects(
        applyManifest(kubectl, 'dev', POD, undefined, env),
        (e: Error & { detail?: string }) =>
          /^kubectl apply failed: /.test(e.message) &&
          /127\.0\.0\.1:1|connect|refused/.test(e.detail ?? e.message),
      );
    });

    it('cancels a kubectl that waits on a server that never answers', async () => {
      const sockets: net.Socket[] = [];
      const server = net.createServer((s) => sockets.push(s)).listen(0, '127.0.0.1');
      await new Promise((r) => server.once('listening', r));
      const port = (server.address() as net.AddressInfo).port;
      try {
        const env = { KUBECONFIG: kubeconfig(dir, `https://127.0.0.1:${port}`) };
        const ac = new AbortController();
        const t0 = Date.now();
        const p = applyManifest(kubectl, 'dev', POD, ac.signal, env).then(
          () => 'applied',
          (e: { code?: string }) => e.code,
        );
        await new Promise((r) => setTimeout(r, 1500));
        assert.ok(sockets.length > 0, 'kubectl connected to the silent server');
        ac.abort();
        assert.equal(await p, 'PODVISOR_CANCELLED');
        assert.ok(Date.now() - t0 < 10_000, 'cancel stopped the process');
      } finally {
        for (const s of sockets) s.destroy();
        server.close();
      }
    });
  });
});
