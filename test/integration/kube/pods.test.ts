/**
 * Pod actions against pods that really run (the harness's node: containerd + kubelet): the log a
 * busybox pod prints, followed across a container restart; commands through exec (plain and a
 * resizable tty); bytes through a port-forward on 127.0.0.1; errors in the server's own words;
 * delete. Checked with kubectl (an independent client) where the cluster's state matters.
 */
import * as assert from 'assert';
import * as net from 'net';
import { needNode } from '../../harness/env';
import type { SharedClusterEnv } from '../../harness/cluster/shared';
import type { NodeInfo } from '../../harness/cluster/node';
import { deleteObject } from '../../../src/backends/kube/actions';
import { isKubeApiError } from '../../../src/backends/kube/errors';
import { followPodLogs } from '../../../src/backends/kube/podLogs';
import { execInPod, openPodSession } from '../../../src/backends/kube/podExec';
import { PortForwards } from '../../../src/backends/kube/portForward';
import type { KubeStore } from '../../../src/backends/kube/store';
import { kubectl, log, newStore, uniqueNs, until, yamlDocs } from './helpers';

function runningPod(name: string, ns: string, node: NodeInfo, script: string): object {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: ns },
    spec: {
      nodeName: node.name,
      runtimeClassName: 'runc',
      terminationGracePeriodSeconds: 0,
      containers: [
        { name: 'main', image: node.image, imagePullPolicy: 'Never', command: ['/bin/sh', '-c', script] },
      ],
    },
  };
}

/** One TCP exchange with a local port: send, read until `expect` is seen or the peer closes. */
function exchange(port: number, send: string, expect: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1');
    let got = '';
    const t = setTimeout(() => {
      s.destroy();
      reject(new Error(`no "${expect}" from 127.0.0.1:${port}; got ${JSON.stringify(got)}`));
    }, 20_000);
    s.on('connect', () => s.write(send));
    s.on('data', (d) => {
      got += d.toString('utf8');
      if (got.includes(expect)) {
        clearTimeout(t);
        s.end();
        resolve(got);
      }
    });
    s.on('error', (e) => {
      clearTimeout(t);
      reject(e);
    });
    s.on('close', () => {
      clearTimeout(t);
      if (!got.includes(expect)) reject(new Error(`closed; got ${JSON.stringify(got)}`));
    });
  });
}

describe('pod actions on the real kubelet (logs, exec, port-forward, delete)', function () {
  this.timeout(180_000);
  let c: SharedClusterEnv;
  let node: NodeInfo;
  let ns: string;
  let store: KubeStore;
  const k = (args: string[], input?: string) => kubectl(c, c.adminKubeconfig, args, input);

  before(async function () {
    ({ cluster: c, node } = needNode(this));
    ns = uniqueNs('pv-pods');
    await k(['create', 'namespace', ns]);
    await k(
      ['apply', '-f', '-'],
      yamlDocs(
        // A line every 200 ms; exits 3 when /tmp/stop appears (a new instance has a fresh /tmp).
        runningPod(
          'talker',
          ns,
          node,
          'i=0; echo "instance up"; while [ ! -f /tmp/stop ]; do echo "line $i"; i=$((i+1)); sleep 0.2; done; echo "bye"; exit 3',
        ),
        runningPod('echo', ns, node, 'exec nc -ll -p 8080 -e /bin/cat'),
      ),
    );
    await k(['wait', '--for=condition=Ready', `pod/talker`, `pod/echo`, '-n', ns, '--timeout=120s']);
    store = newStore(c.adminKubeconfig);
    await store.whenSynced();
  });
  after(async function () {
    store?.dispose();
    if (c && ns) await k(['delete', 'namespace', ns, '--wait=false']).catch(() => undefined);
  });

  it('follows the log a pod prints, and keeps following across a container restart', async function () {
    let text = '';
    const notes: string[] = [];
    const ac = new AbortController();
    const following = followPodLogs(
      store.http,
      ns,
      'talker',
      'main',
      { text: (t) => (text += t), note: (n) => notes.push(n) },
      { signal: ac.signal },
    ).catch((e: unknown) => e);
    try {
      await until('line 3 of the first instance', () => /^line 3$/m.test(text), 30_000);
      assert.match(text, /^instance up\nline 0\nline 1\n/, 'from the start, timestamps stripped');
      const cut = text.length;
      // The container exits (code 3) and the kubelet starts it again.
      const r = await execInPod(store.http, ns, 'talker', 'main', ['touch', '/tmp/stop']);
      assert.strictEqual(r.exitCode, 0);
      await until(
        'the second instance in the same terminal',
        () => /instance up\nline 0\n/.test(text.slice(cut)) && text,
        90_000,
      );
      assert.match(text.slice(cut), /^(line \d+\n)*bye\n/, 'the first instance to its last line');
      assert.ok(
        notes.some((n) => /exited with code 3/.test(n)),
        `an exit note: ${JSON.stringify(notes)}`,
      );
      assert.ok(
        notes.some((n) => /restarted \(restart 1\)/.test(n)),
        `a restart note: ${JSON.stringify(notes)}`,
      );
      assert.strictEqual(
        await k([
          'get',
          'pod',
          'talker',
          '-n',
          ns,
          '-o',
          'jsonpath={.status.containerStatuses[0].restartCount}',
        ]),
        '1',
      );
      const lines = text.split('\n').filter((l) => /^line \d+$/.test(l));
      const firstRun = lines.slice(0, lines.indexOf('line 0', 1));
      assert.deepStrictEqual(
        firstRun,
        firstRun.map((_, i) => `line ${i}`),
        'no line twice, none missing in the first instance',
      );
    } finally {
      ac.abort();
      await following;
    }
  });

  it('runs a command through exec (stdout, stderr, exit code) and a resizable shell', async function () {
    const r = await execInPod(store.http, ns, 'echo', 'main', ['sh', '-c', 'echo out; echo err >&2; exit 7']);
    assert.deepStrictEqual(
      { stdout: r.stdout, stderr: r.stderr, exitCode: r.exitCode },
      { stdout: 'out\n', stderr: 'err\n', exitCode: 7 },
    );
    const s = await openPodSession(store.http, ns, 'echo', 'main', ['/bin/sh'], { columns: 90, rows: 20 });
    let screen = '';
    s.output.on('data', (d: Buffer) => (screen += d.toString('utf8')));
    try {
      s.input.write('echo $((6*7))\r');
      await until('the shell answers', () => /\b42\b/.test(screen), 20_000);
      s.input.write('stty size\r');
      await until('the first size', () => /\b20 90\b/.test(screen), 20_000);
      s.resize(120, 33);
      s.input.write('stty size\r');
      await until('the size after a resize', () => /\b33 120\b/.test(screen), 20_000);
      s.input.write('exit 5\r');
      assert.deepStrictEqual(await s.done, { exitCode: 5 });
    } finally {
      s.close();
    }
  });

  it('forwards a local port on 127.0.0.1 to the pod, connection after connection, until stopped', async function () {
    const forwards = new PortForwards(log);
    const f = await forwards.start(store.http, {
      context: store.context,
      namespace: ns,
      pod: 'echo',
      remotePort: 8080,
    });
    try {
      assert.match(f.address, /^127\.0\.0\.1:\d+$/);
      assert.strictEqual(forwards.of(store.context, ns, 'echo').length, 1);
      assert.strictEqual(await exchange(f.localPort, 'ping one\n', 'ping one\n'), 'ping one\n');
      assert.strictEqual(await exchange(f.localPort, 'ping two\n', 'ping two\n'), 'ping two\n');
      assert.strictEqual(f.stats.total, 2);
    } finally {
      forwards.stop(f);
    }
    assert.strictEqual(forwards.all().length, 0);
    await assert.rejects(exchange(f.localPort, 'x', 'x'), /ECONNREFUSED/);
  });

  it('a forward to a port nothing listens on fails its connection with the reason, the forward stays', async function () {
    const forwards = new PortForwards(log);
    const f = await forwards.start(store.http, {
      context: store.context,
      namespace: ns,
      pod: 'echo',
      remotePort: 9999,
    });
    try {
      await assert.rejects(exchange(f.localPort, 'x', 'x'));
      await until('the reason on the forward', () => f.lastError, 20_000);
      assert.match(f.lastError, /9999|connect|refused/i);
      assert.strictEqual(forwards.all().length, 1);
    } finally {
      forwards.stopAll();
    }
  });

  it('errors keep the API server’s own reason (unknown container, missing pod)', async function () {
    await assert.rejects(execInPod(store.http, ns, 'echo', 'nope', ['true']), (e: unknown) => {
      assert.ok(isKubeApiError(e), String(e));
      assert.match((e as Error).message, /container nope is not valid|nope/);
      return true;
    });
    const ac = new AbortController();
    await assert.rejects(
      followPodLogs(
        store.http,
        ns,
        'nope',
        'main',
        { text: () => undefined, note: () => undefined },
        { signal: ac.signal },
      ).then((end) => {
        throw new Error(`ended: ${end}`);
      }),
      /ended: deleted/,
    );
  });

  it('deletes a pod (gone for kubectl too); a follower and a forward end with it', async function () {
    await k(
      ['apply', '-f', '-'],
      yamlDocs(runningPod('doomed', ns, node, 'exec nc -ll -p 8080 -e /bin/cat')),
    );
    await k(['wait', '--for=condition=Ready', 'pod/doomed', '-n', ns, '--timeout=120s']);
    const forwards = new PortForwards(log);
    await forwards.start(store.http, {
      context: store.context,
      namespace: ns,
      pod: 'doomed',
      remotePort: 8080,
    });
    const notes: string[] = [];
    const ac = new AbortController();
    const following = followPodLogs(
      store.http,
      ns,
      'doomed',
      'main',
      { text: () => undefined, note: (n) => notes.push(n) },
      { signal: ac.signal },
    );
    await deleteObject(store.http, 'pods', ns, 'doomed');
    assert.strictEqual(await following, 'deleted');
    assert.ok(notes.some((n) => /was deleted/.test(n)));
    await until('the forward went with its pod', () => forwards.all().length === 0, 60_000);
    await until(
      'kubectl no longer sees it',
      async () => {
        const out = await k(['get', 'pods', '-n', ns, '-o', 'name']);
        return !out.includes('pod/doomed');
      },
      60_000,
    );
  });
});
