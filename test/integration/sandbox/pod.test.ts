import * as assert from 'assert';
import { needDocker, needGvisor } from '../../harness/env';
import { BUSYBOX_IMAGE, docker, ensureBusyboxImage } from '../../harness/images';
import { ContainerSandboxes } from '../../../src/sandbox/containerLauncher';
import { DockerClient } from '../../../src/backends/docker/client';
import { podPlan, yamlDocs } from '../../../src/sandbox/pod';
import { ctx, httpGet, leftovers, waitFor } from './helpers';
import { at } from '../../harness/pick';

const MANIFEST = `apiVersion: node.k8s.io/v1
kind: RuntimeClass
metadata:
  name: gvisor
handler: runsc
---
apiVersion: v1
kind: Pod
metadata:
  name: sandboxed-web
spec:
  runtimeClassName: gvisor
  containers:
  - name: web
    image: ${BUSYBOX_IMAGE}
    command: ["/bin/sh", "-c"]
    args: ["mkdir -p /www && echo \\"$GREETING from $(dmesg | head -1 | cut -c16-)\\" > /www/index.html && exec httpd -f -p 8080 -h /www"]
    env: [{ name: GREETING, value: hello }]
    ports: [{ containerPort: 8080 }]
    resources: { limits: { cpu: 500m, memory: 64Mi } }
  - name: sidecar
    image: ${BUSYBOX_IMAGE}
    command: ["/bin/sh", "-c", "while sleep 1; do :; done"]
`;

describe('sandbox: a Pod with runtimeClassName: gvisor runs under runsc', function () {
  let host: string;
  let engine: DockerClient;
  let sandboxes: ContainerSandboxes;
  let name = '';

  before(function () {
    needGvisor(this);
    host = needDocker(this);
    this.timeout(60_000);
    ensureBusyboxImage(host);
    engine = new DockerClient({ host });
    sandboxes = new ContainerSandboxes(engine);
  });
  after(async function () {
    this.timeout(30_000);
    if (name) await sandboxes.remove(name).catch(() => undefined);
  });

  it('runs both containers in one network, with the runtime, env, command, args, limits and ports', async function () {
    this.timeout(90_000);
    const docs = yamlDocs('/samples/pod.yaml', MANIFEST);
    const plan = podPlan(at(docs, 1), docs);
    assert.strictEqual(plan.level, 'gvisor');
    const report = await sandboxes.launch(plan.spec, plan.level, 'runsc', ctx);
    name = report.name;
    assert.strictEqual(report.info.ids.length, 2);
    for (const id of report.info.ids) {
      const hc = JSON.parse(docker(host, ['inspect', '-f', '{{json .HostConfig}}', id])) as {
        Runtime: string;
        Memory: number;
        NanoCpus: number;
        NetworkMode: string;
      };
      assert.strictEqual(hc.Runtime, 'runsc');
    }
    const p = report.info.ports.find((x) => x.container === 8080)!;
    assert.strictEqual(p.hostIp, '127.0.0.1');
    const body = await waitFor(
      async () => {
        const r = await httpGet('127.0.0.1', p.host);
        return r.includes('hello from') ? r : undefined;
      },
      20_000,
      'the pod answering on its port',
    );
    assert.match(body, /hello from .*gVisor/, body);
  });

  it('remove leaves nothing', async function () {
    this.timeout(30_000);
    await sandboxes.remove(name);
    assert.deepStrictEqual(await leftovers(engine, name), []);
    name = '';
  });
});
