import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { stringify } from 'yaml';
import { needCluster } from '../../harness/env';
import type { SharedClusterEnv } from '../../harness/cluster/shared';
import { loadKubeconfig } from '../../../src/backends/kube/kubeconfig';
import { KubeStore } from '../../../src/backends/kube/store';
import { log, until } from './helpers';

/** Kubeconfigs written by the test against the real API server: each failure is one clear message. */
describe('kubeconfigs: merging like kubectl, auth kinds, and bad ones', function () {
  let c: SharedClusterEnv;
  let dir: string;
  let server: string;
  let ca: string;
  const stores: KubeStore[] = [];

  before(function () {
    c = needCluster(this);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pv-kubeconfig-'));
    const admin = loadKubeconfig({ explicit: c.adminKubeconfig });
    server = admin.contexts[0]!.server;
    ca = path.join(c.dir, 'pki', 'ca.crt');
  });
  after(() => {
    for (const s of stores) s.dispose();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  function write(
    name: string,
    user: Record<string, unknown>,
    cluster: Record<string, unknown> = {},
    context = 'test',
  ): string {
    const file = path.join(dir, name);
    fs.writeFileSync(
      file,
      stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [{ name: 'c', cluster: { server, 'certificate-authority': ca, ...cluster } }],
        users: [{ name: 'u', user }],
        contexts: [{ name: context, context: { cluster: 'c', user: 'u' } }],
        'current-context': context,
      }),
    );
    return file;
  }

  function token(): string {
    const t = JSON.parse(fs.readFileSync(path.join(c.dir, 'tokens.json'), 'utf8'));
    return t.admin.token;
  }

  async function storeOf(file: string): Promise<KubeStore> {
    const set = loadKubeconfig({ explicit: file });
    const s = new KubeStore({
      context: set.current,
      config: set.configFor(set.current),
      namespaces: 'all',
      log,
    });
    s.setVisible(true);
    stores.push(s);
    await s.whenSynced();
    return s;
  }

  /** The one message a broken connection shows (every kind fails for the same reason). */
  async function oneMessage(file: string, re: RegExp): Promise<void> {
    const s = await storeOf(file);
    await until('store settled', () => s.status.kind !== 'connecting');
    assert.strictEqual(s.status.kind, 'unreachable');
    const reason = (s.status as { reason: string }).reason;
    console.log(`      → ${reason}`);
    assert.match(reason, re);
    const stats = JSON.stringify(s.watchStats());
    await new Promise((r) => setTimeout(r, 800));
    assert.strictEqual(JSON.stringify(s.watchStats()), stats, 'no retry loop');
    assert.strictEqual((s.status as { reason: string }).reason, reason, 'the message stays the same');
  }

  it('KUBECONFIG with several files merges like kubectl (first definition wins, first current-context)', function () {
    const a = write('a.yaml', { token: 'from-a' }, {}, 'ctx-a');
    const b = path.join(dir, 'b.yaml');
    fs.writeFileSync(
      b,
      stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [
          { name: 'c', cluster: { server: 'https://127.0.0.1:1' } },
          { name: 'other', cluster: { server: 'https://127.0.0.1:2' } },
        ],
        users: [{ name: 'u2', user: { token: 'from-b' } }],
        contexts: [{ name: 'ctx-b', context: { cluster: 'other', user: 'u2', namespace: 'team-a' } }],
        'current-context': 'ctx-b',
      }),
    );
    const set = loadKubeconfig({ env: [a, path.join(dir, 'missing.yaml'), b].join(':') });
    assert.strictEqual(set.source, 'KUBECONFIG');
    assert.strictEqual(set.current, 'ctx-a');
    assert.deepStrictEqual(set.contexts.map((x) => x.name).sort(), ['ctx-a', 'ctx-b']);
    assert.strictEqual(
      set.contexts.find((x) => x.name === 'ctx-a')!.server,
      server,
      'cluster c from the first file',
    );
    assert.strictEqual(set.contexts.find((x) => x.name === 'ctx-b')!.namespace, 'team-a');
    const home = fs.mkdtempSync(path.join(dir, 'home-'));
    fs.mkdirSync(path.join(home, '.kube'));
    fs.copyFileSync(a, path.join(home, '.kube', 'config'));
    assert.strictEqual(loadKubeconfig({ env: '', home }).source, 'default');
  });

  it('token, client certificate and exec plugin auth all reach the server', async function () {
    assert.strictEqual((await storeOf(write('token.yaml', { token: token() }))).status.kind, 'ready');
    const pki = path.join(c.dir, 'pki');
    const cert = write('cert.yaml', {
      'client-certificate': path.join(pki, 'admin-client.crt'),
      'client-key': path.join(pki, 'admin-client.key'),
    });
    assert.strictEqual((await storeOf(cert)).status.kind, 'ready');
    const plugin = path.join(dir, 'plugin.sh');
    fs.writeFileSync(
      plugin,
      `#!/bin/sh\necho '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"${token()}"}}'\n`,
      { mode: 0o755 },
    );
    const exec = write('exec.yaml', {
      exec: { apiVersion: 'client.authentication.k8s.io/v1', command: plugin, interactiveMode: 'Never' },
    });
    assert.strictEqual((await storeOf(exec)).status.kind, 'ready');
  });

  it('a missing file is one clear message', function () {
    assert.throws(
      () => loadKubeconfig({ explicit: path.join(dir, 'nope.yaml') }),
      /Kubeconfig file .*nope\.yaml does not exist \(set by podvisor\.kubernetes\.kubeconfig\)/,
    );
    assert.throws(
      () => loadKubeconfig({ env: path.join(dir, 'nope.yaml') }),
      /None of the kubeconfig files in KUBECONFIG exist/,
    );
  });

  it('an unknown context is one clear message naming the known ones', function () {
    const set = loadKubeconfig({ explicit: write('ctx.yaml', { token: 'x' }) });
    assert.throws(() => set.configFor('prod'), /Context "prod" is not in the kubeconfig .*known: test/);
  });

  it('a bad CA is one clear TLS message', async function () {
    await oneMessage(
      write(
        'badca.yaml',
        { token: token() },
        { 'certificate-authority': path.join(c.dir, 'pki', 'other-ca.crt') },
      ),
      /TLS verification of https:\/\/127\.0\.0\.1:\d+ failed: .*certificate/,
    );
  });

  it('a wrong token is one clear 401 message', async function () {
    await oneMessage(
      write('badtoken.yaml', { token: 'not-a-valid-token' }),
      /the API server rejected the credentials \(401 Unauthorized\); check the token/,
    );
  });

  it('an exec plugin that fails is one clear message with its own words', async function () {
    const plugin = path.join(dir, 'failing.sh');
    fs.writeFileSync(plugin, '#!/bin/sh\necho "login expired: run corp-login" >&2\nexit 3\n', {
      mode: 0o755,
    });
    await oneMessage(
      write('badexec.yaml', {
        exec: { apiVersion: 'client.authentication.k8s.io/v1', command: plugin, interactiveMode: 'Never' },
      }),
      /Getting credentials for context "test" failed: .*login expired: run corp-login/,
    );
  });
});
