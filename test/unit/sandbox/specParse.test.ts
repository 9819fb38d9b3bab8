import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { ContainerInfo } from '../../../src/backends/docker/model';
import { sandboxInfoOf } from '../../../src/sandbox/containerInfo';
import { parseDevcontainer } from '../../../src/sandbox/devcontainer';
import { imageSpec } from '../../../src/sandbox/imageSource';
import { LABEL } from '../../../src/sandbox/names';
import { parseSandboxSpec, readSandboxSpec } from '../../../src/sandbox/specParse';

function container(labels: Record<string, string>): ContainerInfo {
  return {
    id: 'a'.repeat(64),
    name: 'pv-sbx-x',
    image: 'img:1',
    imageId: 'sha256:1',
    command: 'sh',
    created: Date.UTC(2024, 0, 1),
    state: 'running',
    rawState: 'running',
    statusText: 'Up',
    ports: [{ privatePort: 80, publicPort: 8080, ip: '127.0.0.1', type: 'tcp' }],
    labels: { [LABEL.sandbox]: 'x', ...labels },
    isolation: 'container',
    networks: [],
  };
}

describe('sandbox: specs read back from labels and files are checked, never cast', () => {
  let ws: string;
  before(() => {
    ws = fs.mkdtempSync(path.join(os.tmpdir(), 'pv-spec-unit-'));
    fs.mkdirSync(path.join(ws, '.devcontainer'));
    fs.writeFileSync(path.join(ws, '.devcontainer', 'Dockerfile'), 'FROM scratch\n');
  });
  after(() => fs.rmSync(ws, { recursive: true, force: true }));

  it('a spec Podvisor wrote comes back equal', () => {
    const spec = parseDevcontainer(
      JSON.stringify({
        build: { dockerfile: 'Dockerfile', args: { A: '1' } },
        forwardPorts: [3000, '53/udp'],
        postCreateCommand: ['echo', 'hi'],
        postStartCommand: 'make run',
        postAttachCommand: { a: 'x', b: ['y', 'z'] },
        initializeCommand: 'true',
        waitFor: 'postCreateCommand',
        features: { './f': { a: true } },
        portsAttributes: { '3000': { label: 'App' } },
        otherPortsAttributes: { onAutoForward: 'ignore' },
        hostRequirements: { cpus: 1, memory: '1gb', gpu: 'optional' },
        capAdd: ['SYS_ADMIN'],
        updateRemoteUserUID: false,
        remoteUser: 'dev',
        mounts: ['type=tmpfs,target=/cache'],
        runArgs: ['--cap-add=SYS_PTRACE', '--init'],
      }),
      { workspaceFolder: ws, file: path.join(ws, '.devcontainer', 'devcontainer.json'), env: {} },
    );
    assert.ok(spec.privilegeRequests?.length && spec.features && spec.lifecycle.postAttachCommand);
    assert.deepStrictEqual(parseSandboxSpec(JSON.parse(JSON.stringify(spec))), spec);
    fs.writeFileSync(path.join(ws, '.devcontainer', 'c.yml'), 'services: {}\n');
    const comp = parseDevcontainer(
      JSON.stringify({
        dockerComposeFile: 'c.yml',
        service: 'app',
        forwardPorts: ['db:1'],
        shutdownAction: 'stopCompose',
      }),
      { workspaceFolder: ws, file: path.join(ws, '.devcontainer', 'devcontainer.json'), env: {} },
    );
    assert.deepStrictEqual(parseSandboxSpec(JSON.parse(JSON.stringify(comp))), comp);
    const img = imageSpec('busybox:1', ws);
    assert.deepStrictEqual(parseSandboxSpec(JSON.parse(JSON.stringify(img))), img);
  });

  it('a field of the wrong shape is named', () => {
    const good = JSON.parse(JSON.stringify(imageSpec('busybox:1', ws))) as Record<string, unknown>;
    const bad = (patch: Record<string, unknown>) => () => parseSandboxSpec({ ...good, ...patch });
    assert.throws(bad({ name: '../etc' }), /spec\.name "\.\.\/etc" is not a sandbox name/);
    assert.throws(bad({ containers: [{ name: 'dev' }] }), /spec\.containers\[0\]\.limits is not an object/);
    assert.throws(bad({ remoteEnv: { A: 1 } }), /spec\.remoteEnv\.A is not a string/);
    assert.throws(
      bad({ lifecycle: { postStartCommand: [{ origin: 'x', command: { argv: 'rm' } }] } }),
      /spec\.lifecycle\.postStartCommand\[0\]\.command\.argv is not a list of strings/,
    );
    assert.throws(bad({ source: { kind: 'helm', label: 'x' } }), /spec\.source\.kind is not one of/);
    assert.deepStrictEqual(readSandboxSpec('{not json', 'label x').spec, undefined);
    assert.match(
      readSandboxSpec('{not json', 'label x').problem ?? '',
      /label x: the sandbox spec is not JSON/,
    );
  });

  it('a container sandbox with bad labels is a sandbox with a problem, not a crash', () => {
    const info = sandboxInfoOf('x', [
      container({ [LABEL.level]: 'hypervisor', [LABEL.source]: '{', [LABEL.spec]: '{"name": 1}' }),
    ]);
    assert.strictEqual(info.name, 'x');
    assert.strictEqual(info.state, 'running');
    assert.strictEqual(info.level, 'container');
    assert.deepStrictEqual(info.ports, [{ container: 80, host: 8080, hostIp: '127.0.0.1', protocol: 'tcp' }]);
    assert.match(info.problem ?? '', /level "hypervisor" is not a container isolation level/);
    assert.match(info.problem ?? '', /label dev\.podvisor\.sandbox\.source is not JSON/);
    assert.match(info.problem ?? '', /spec\.name is not a string/);
    const ok = sandboxInfoOf('x', [
      container({
        [LABEL.level]: 'gvisor',
        [LABEL.source]: JSON.stringify({ kind: 'image', label: 'busybox:1' }),
        [LABEL.spec]: JSON.stringify({ ...imageSpec('busybox:1'), name: 'x' }),
      }),
    ]);
    assert.strictEqual(ok.problem, undefined);
    assert.strictEqual(ok.level, 'gvisor');
  });
});
