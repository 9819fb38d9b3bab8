import * as assert from 'assert';
import { containerLevels } from '../../../src/sandbox/levels';
import { podPlan, yamlDocs } from '../../../src/sandbox/pod';
import { chooseUser, parsePasswd } from '../../../src/sandbox/users';
import { at } from '../../harness/pick';

const FILE = `apiVersion: node.k8s.io/v1
kind: RuntimeClass
metadata: { name: gvisor }
handler: runsc
---
apiVersion: v1
kind: Pod
metadata: { name: web }
spec:
  runtimeClassName: gvisor
  nodeSelector: { a: b }
  containers:
  - name: app
    image: busybox:1
    command: ["httpd", "-f"]
    args: ["-p", "8080"]
    env: [{ name: A, value: "1" }, { name: S, valueFrom: { secretKeyRef: { name: s, key: k } } }]
    ports: [{ containerPort: 8080 }]
    resources: { limits: { cpu: 500m, memory: 64Mi } }
    livenessProbe: {}
  - name: side
    image: busybox:1
    ports: [{ containerPort: 9090, protocol: UDP }]
`;

describe('sandbox: Pod manifests', () => {
  const docs = yamlDocs('/w/pods.yaml', FILE);

  it('maps runtimeClassName → RuntimeClass handler → isolation level', () => {
    const p = podPlan(at(docs, 1), docs);
    assert.strictEqual(p.level, 'gvisor');
    assert.deepStrictEqual(p.runtimeClass, { name: 'gvisor', handler: 'runsc', file: '/w/pods.yaml' });
    const app = at(p.spec.containers, 0);
    const side = at(p.spec.containers, 1);
    assert.deepStrictEqual(app.entrypoint, ['httpd', '-f']);
    assert.deepStrictEqual(app.command, ['-p', '8080']);
    assert.deepStrictEqual(app.env, { A: '1' });
    assert.deepStrictEqual(app.limits, { cpus: 0.5, memoryBytes: 64 * 1024 ** 2, pids: 1024 });
    assert.deepStrictEqual(app.ports, [
      { container: 8080, host: 0, protocol: 'tcp' },
      { container: 9090, host: 0, protocol: 'udp' },
    ]);
    assert.deepStrictEqual(side.ports, []);
    assert.strictEqual(app.keepAlive, false);
    assert.ok(p.spec.notes.some((n) => n.includes('valueFrom')));
    assert.ok(p.spec.notes.some((n) => n.includes('nodeSelector')));
    assert.ok(p.spec.notes.some((n) => n.includes('livenessProbe')));
  });

  it('unknown class and unknown handler are clear errors', () => {
    const pod = at(
      yamlDocs(
        '/w/p.yaml',
        'kind: Pod\nmetadata: { name: x }\nspec: { runtimeClassName: nope, containers: [{ name: a, image: i }] }',
      ),
      0,
    );
    assert.throws(() => podPlan(pod, []), /RuntimeClass "nope" is not defined in this file or the workspace/);
    const rc = at(
      yamlDocs('/w/rc.yaml', 'kind: RuntimeClass\nmetadata: { name: nope }\nhandler: youki-wasm'),
      0,
    );
    assert.throws(() => podPlan(pod, [rc]), /handler "youki-wasm", which Podvisor cannot run locally/);
    const kata = at(
      yamlDocs('/w/rc.yaml', 'kind: RuntimeClass\nmetadata: { name: nope }\nhandler: kata-qemu'),
      0,
    );
    assert.strictEqual(podPlan(pod, [kata]).level, 'kata');
  });

  it('runs the pod template of a Deployment', () => {
    const d = at(
      yamlDocs(
        '/w/d.yaml',
        'kind: Deployment\nmetadata: { name: d }\nspec: { replicas: 3, template: { spec: { containers: [{ name: a, image: i }] } } }',
      ),
      0,
    );
    const p = podPlan(d, []);
    assert.strictEqual(p.level, 'container');
    assert.strictEqual(p.spec.source.label, 'Deployment/d');
    assert.ok(at(p.spec.notes, 0).includes('one replica'));
  });
});

describe('sandbox: isolation levels from the engine /info', () => {
  it('offers Kata only when the engine has a kata runtime, and says why not otherwise', () => {
    const base = {
      defaultRuntime: 'runc',
      ncpu: 2,
      memTotal: 1,
      name: 'e',
      version: '20.10',
      os: 'Debian',
      podman: false,
    };
    const none = containerLevels(
      { ...base, runtimes: ['runc'], runtimePaths: { runc: 'runc' } },
      undefined,
      undefined,
    );
    assert.deepStrictEqual(
      none.map((l) => [l.level, l.available]),
      [
        ['container', true],
        ['gvisor', false],
        ['kata', false],
      ],
    );
    assert.match(at(none, 2).detail, /not installed/);
    const binOnly = containerLevels(
      { ...base, runtimes: ['runc'], runtimePaths: {} },
      undefined,
      '/usr/bin/kata-runtime',
    );
    assert.match(at(binOnly, 2).detail, /installed but not registered/);
    const kata = containerLevels(
      {
        ...base,
        runtimes: ['runc', 'io.containerd.kata.v2', 'runsc'],
        runtimePaths: { runsc: '/usr/bin/runsc' },
      },
      undefined,
      undefined,
    );
    assert.deepStrictEqual(
      kata.map((l) => [l.level, l.available, l.runtime]),
      [
        ['container', true, 'runc'],
        ['gvisor', true, 'runsc'],
        ['kata', true, 'io.containerd.kata.v2'],
      ],
    );
    const down = containerLevels(undefined, 'ECONNREFUSED');
    assert.ok(down.every((l) => !l.available && l.detail.includes('ECONNREFUSED')));
  });
});

describe('sandbox: user choice', () => {
  const passwd = parsePasswd(
    'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534::/:/usr/sbin/nologin\ndev:x:1000:1000:dev:/home/dev:/bin/sh\n',
  );
  it('prefers remoteUser, then the image user, then a non-root user that can write the workspace', () => {
    assert.strictEqual(chooseUser({ remoteUser: 'x', imageUser: 'y', passwd }).user, 'x');
    assert.strictEqual(chooseUser({ imageUser: 'node:node', passwd }).user, 'node');
    assert.strictEqual(
      chooseUser({ imageUser: '', passwd, workspace: { uid: 1000, mode: 0o755 } }).user,
      'dev',
    );
    assert.strictEqual(chooseUser({ imageUser: '', passwd, workspace: { uid: 0, mode: 0o777 } }).user, 'dev');
    const root = chooseUser({ imageUser: '', passwd, workspace: { uid: 0, mode: 0o755 } });
    assert.strictEqual(root.user, 'root');
    assert.match(root.note!, /could not write/);
    assert.strictEqual(chooseUser({ imageUser: '', passwd: passwd.slice(0, 2) }).user, 'root');
  });
});
