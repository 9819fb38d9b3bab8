import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseDevcontainer } from '../../../src/sandbox/devcontainer';
import { parseRunArgs } from '../../../src/sandbox/runArgs';
import { at } from '../../harness/pick';

describe('sandbox: devcontainer.json', () => {
  let ws: string;
  before(() => {
    ws = fs.mkdtempSync(path.join(os.tmpdir(), 'pv-dc-unit-'));
    fs.mkdirSync(path.join(ws, '.devcontainer'));
    fs.writeFileSync(path.join(ws, '.devcontainer', 'Dockerfile'), 'FROM scratch\n');
  });
  after(() => fs.rmSync(ws, { recursive: true, force: true }));
  const parse = (text: string) =>
    parseDevcontainer(text, {
      workspaceFolder: ws,
      file: path.join(ws, '.devcontainer', 'devcontainer.json'),
      env: { HOME: '/home/me' },
    });

  it('reads JSONC with comments and trailing commas, and substitutes variables', () => {
    const s = parse(`{
      // a comment
      "image": "x:1",
      "workspaceFolder": "/src/\${localWorkspaceFolderBasename}",
      "containerEnv": { "WS": "\${containerWorkspaceFolder}", "H": "\${localEnv:HOME}", "D": "\${localEnv:NOPE:def}" },
      "forwardPorts": [3000, "5000:5001", "53/udp"],
      "remoteUser": "dev",
    }`);
    const c = at(s.containers, 0);
    assert.strictEqual(c.image, 'x:1');
    assert.deepStrictEqual(s.workspace, {
      hostPath: ws,
      target: `/src/${path.basename(ws)}`,
      readonly: false,
    });
    assert.deepStrictEqual(c.env, { WS: `/src/${path.basename(ws)}`, H: '/home/me', D: 'def' });
    assert.deepStrictEqual(c.ports, [
      { container: 3000, host: 0, protocol: 'tcp' },
      { container: 5001, host: 5000, protocol: 'tcp' },
      { container: 53, host: 0, protocol: 'udp' },
    ]);
    assert.strictEqual(s.remoteUser, 'dev');
    assert.deepStrictEqual(s.notes, []);
  });

  it('reports malformed JSON with line and column', () => {
    assert.throws(
      () => parse('{\n  "image": "x",\n  "forwardPorts": [1 2]\n}'),
      /devcontainer\.json:3:\d+: devcontainer.json is not valid JSON: CommaExpected/,
    );
  });

  it('builds from a Dockerfile relative to .devcontainer with args and context', () => {
    const s = parse(
      '{ "build": { "dockerfile": "Dockerfile", "context": "..", "args": { "V": "${localEnv:HOME}" } } }',
    );
    assert.deepStrictEqual(at(s.containers, 0).build, {
      context: ws,
      dockerfile: '.devcontainer/Dockerfile',
      args: { V: '/home/me' },
    });
    assert.throws(() => parse('{ "build": { "dockerfile": "Nope" } }'), /build.dockerfile Nope not found/);
  });

  it('lists unknown and legacy keys once instead of dropping them', () => {
    const s = parse('{ "image": "x", "frobnicate": 1, "extensions": [], "customizations": {} }');
    assert.deepStrictEqual(s.notes, [
      'devcontainer.json: unknown keys, ignored: frobnicate',
      'devcontainer.json: "extensions" is legacy (now customizations.vscode.extensions)',
      'devcontainer.json: editor settings ignored: customizations',
    ]);
  });

  it('every lifecycle hook in its three forms; features first at launch; waitFor', () => {
    const s = parse(`{ "image": "x",
      "initializeCommand": ["touch", "init"],
      "onCreateCommand": "echo on",
      "updateContentCommand": ["echo", "a b"],
      "postCreateCommand": { "a": "echo 1", "b": ["echo", "2"] },
      "postStartCommand": "",
      "postAttachCommand": "echo attach",
      "waitFor": "postCreateCommand" }`);
    const dj = (command: unknown) => [{ origin: 'devcontainer.json', command }];
    assert.deepStrictEqual(s.initializeCommand, { argv: ['touch', 'init'] });
    assert.deepStrictEqual(s.lifecycle, {
      onCreateCommand: dj({ shell: 'echo on' }),
      updateContentCommand: dj({ argv: ['echo', 'a b'] }),
      postCreateCommand: dj({
        parallel: [
          { name: 'a', command: { shell: 'echo 1' } },
          { name: 'b', command: { argv: ['echo', '2'] } },
        ],
      }),
      postAttachCommand: dj({ shell: 'echo attach' }),
    });
    assert.strictEqual(s.waitFor, 'postCreateCommand');
    assert.throws(() => parse('{ "image": "x", "waitFor": "later" }'), /waitFor must be one of/);
    assert.throws(
      () => parse('{ "image": "x", "postStartCommand": [1] }'),
      /postStartCommand must be a string or an array/,
    );
  });

  it('variables: localEnv with defaults (colons kept), env, devcontainerId as the spec computes it, containerEnv only in remoteEnv', () => {
    const s = parse(`{ "image": "x",
      "containerEnv": { "A": "\${localEnv:NOPE:a:b}", "B": "\${env:HOME}", "ID": "\${devcontainerId}" },
      "remoteEnv": { "PATH": "\${containerEnv:PATH}:/extra", "W": "\${containerWorkspaceFolderBasename}" },
      "mounts": ["source=cache-\${devcontainerId},target=/cache,type=volume"] }`);
    const env = at(s.containers, 0).env;
    assert.strictEqual(env.A, 'a:b');
    assert.strictEqual(env.B, '/home/me');
    // The spec's label-based id: sorted label JSON, SHA-256, base 32, 52 characters.
    assert.match(env.ID ?? '', /^[0-9a-v]{52}$/);
    assert.strictEqual(env.ID, s.devcontainerId);
    assert.strictEqual(at(s.mounts, 0).source, `cache-${env.ID}`);
    assert.deepStrictEqual(s.remoteEnv, { PATH: '${containerEnv:PATH}:/extra', W: path.basename(ws) });
    assert.throws(
      () => parse('{ "image": "x", "containerEnv": { "P": "${containerEnv:PATH}" } }'),
      /only known inside the container/,
    );
    assert.throws(
      () => parse('{ "image": "x:${templateOption:v}" , "name": "${templateOption:v}" }'),
      /unsupported variable \$\{templateOption:v\}/,
    );
  });

  it('ports: ranges checked; portsAttributes kept for the editor', () => {
    const s = parse(`{ "image": "x", "forwardPorts": [3000],
      "portsAttributes": { "3000": { "label": "App", "onAutoForward": "openBrowser", "protocol": "https" }, "9000-9010": { "onAutoForward": "ignore" } },
      "otherPortsAttributes": { "onAutoForward": "silent" } }`);
    assert.deepStrictEqual(s.portsAttributes?.['3000'], {
      label: 'App',
      onAutoForward: 'openBrowser',
      protocol: 'https',
    });
    assert.deepStrictEqual(s.otherPortsAttributes, { onAutoForward: 'silent' });
    assert.throws(() => parse('{ "image": "x", "forwardPorts": [70000] }'), /out of range/);
    assert.throws(() => parse('{ "image": "x", "forwardPorts": ["80:70000"] }'), /out of range/);
    assert.throws(
      () => parse('{ "image": "x", "forwardPorts": ["db:5432"] }'),
      /needs a Docker Compose config/,
    );
    assert.throws(
      () => parse('{ "image": "x", "portsAttributes": { "3000": { "onAutoForward": "maybe" } } }'),
      /not a valid value/,
    );
  });

  it('features: references with options (string shorthand = version), override order', () => {
    const s =
      parse(`{ "image": "x", "features": { "./local": { "a": true, "n": 2 }, "127.0.0.1:5000/pv/f:1": "1.2" },
      "overrideFeatureInstallOrder": ["./local"] }`);
    assert.deepStrictEqual(s.features, {
      configDir: path.join(ws, '.devcontainer'),
      refs: [
        { id: './local', options: { a: true, n: '2' } },
        { id: '127.0.0.1:5000/pv/f:1', options: { version: '1.2' } },
      ],
      overrideOrder: ['./local'],
    });
  });

  it('privileges a config asks for are requests (granted or refused at launch); safe capabilities are not', () => {
    const s = parse(
      '{ "image": "x", "capAdd": ["SYS_PTRACE", "SYS_ADMIN"], "privileged": true, "securityOpt": ["seccomp=unconfined"], "init": true }',
    );
    assert.deepStrictEqual(s.capAdd, ['SYS_PTRACE']);
    assert.deepStrictEqual(s.privilegeRequests, [
      {
        origin: 'devcontainer.json',
        privileged: true,
        capAdd: ['SYS_ADMIN'],
        securityOpt: ['seccomp=unconfined'],
      },
    ]);
    assert.strictEqual(s.init, true);
  });

  it('Compose configs: files relative to devcontainer.json, service, runServices, defaults', () => {
    fs.writeFileSync(path.join(ws, '.devcontainer', 'compose.yml'), 'services: {}\n');
    const s = parse(
      '{ "dockerComposeFile": ["compose.yml"], "service": "app", "runServices": ["db"], "workspaceFolder": "/workspaces/x", "forwardPorts": ["db:5432", 3000] }',
    );
    const c = at(s.containers, 0);
    assert.strictEqual(c.image, undefined);
    assert.strictEqual(c.keepAlive, false, 'overrideCommand defaults to false for Compose');
    assert.deepStrictEqual(s.compose?.files, [path.join(ws, '.devcontainer', 'compose.yml')]);
    assert.strictEqual(s.compose?.service, 'app');
    assert.deepStrictEqual(s.compose?.runServices, ['db', 'app']);
    assert.match(s.compose?.project ?? '', /^pv-[a-z0-9_-]+$/);
    assert.deepStrictEqual(s.compose?.servicePorts, [{ service: 'db', port: 5432 }]);
    assert.deepStrictEqual(c.ports, [{ container: 3000, host: 0, protocol: 'tcp' }]);
    assert.throws(() => parse('{ "dockerComposeFile": "nope.yml", "service": "a" }'), /does not exist/);
    assert.throws(() => parse('{ "dockerComposeFile": "compose.yml" }'), /needs "service"/);
  });

  it('hostRequirements size the sandbox; runArgs override them', () => {
    const s = parse(
      '{ "image": "x", "hostRequirements": { "cpus": 2, "memory": "1gb", "storage": "32gb", "gpu": "optional" }, "runArgs": ["--cpus=1.5", "--cap-add", "SYS_PTRACE", "-e", "A=1", "--init"] }',
    );
    assert.deepStrictEqual(at(s.containers, 0).limits, { cpus: 1.5, memoryBytes: 1024 ** 3, pids: 1024 });
    assert.deepStrictEqual(s.capAdd, ['SYS_PTRACE']);
    assert.strictEqual(at(s.containers, 0).env.A, '1');
    assert.strictEqual(s.init, true);
    assert.deepStrictEqual(s.hostRequirements, {
      cpus: 2,
      memoryBytes: 1024 ** 3,
      storageBytes: 32 * 1024 ** 3,
      gpu: 'optional',
    });
  });

  it('refuses the docker socket, host paths and unsafe runArgs with reasons', () => {
    assert.throws(
      () =>
        parse(
          '{ "image": "x", "mounts": ["source=/var/run/docker.sock,target=/var/run/docker.sock,type=bind"] }',
        ),
      /engine's socket.*refused/,
    );
    assert.throws(
      () => parse('{ "image": "x", "mounts": [{ "source": "/etc", "target": "/h", "type": "bind" }] }'),
      /refused/,
    );
    assert.throws(
      () => parse('{ "image": "x", "runArgs": ["--privileged", "--network=host", "--cap-add=SYS_ADMIN"] }'),
      (e: Error) =>
        /--privileged \(gives/.test(e.message) &&
        /--network=host \(Podvisor manages/.test(e.message) &&
        /--cap-add SYS_ADMIN/.test(e.message),
    );
    assert.throws(
      () => parse('{ "image": "x", "runArgs": ["--frobnicate"] }'),
      /not in the sandbox-safe subset/,
    );
  });

  it('needs an image, a Dockerfile or a Compose file', () => {
    assert.throws(() => parse('{ "name": "x" }'), /needs "image", "build.dockerfile" or "dockerComposeFile"/);
  });

  it('runArgs parser keeps values with their flags', () => {
    assert.deepStrictEqual(
      parseRunArgs(['--memory', '512m', '--pids-limit=100', '--add-host', 'a:1.2.3.4']),
      {
        capAdd: [],
        env: {},
        extraHosts: ['a:1.2.3.4'],
        init: false,
        labels: {},
        memoryBytes: 512 * 1024 ** 2,
        pids: 100,
      },
    );
  });
});
