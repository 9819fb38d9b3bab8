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

  it('lists unsupported keys once instead of dropping them', () => {
    const s = parse('{ "image": "x", "features": {}, "shutdownAction": "none", "customizations": {} }');
    assert.deepStrictEqual(s.notes, [
      'devcontainer.json: not supported, ignored: features, shutdownAction',
      'devcontainer.json: editor settings ignored: customizations',
    ]);
  });

  it('lifecycle commands: string, array, object', () => {
    const s = parse(
      '{ "image": "x", "postCreateCommand": ["echo", "a b"], "postStartCommand": { "a": "echo 1", "b": ["echo", "2"] } }',
    );
    assert.deepStrictEqual(s.postCreateCommand, { argv: ['echo', 'a b'] });
    assert.deepStrictEqual(s.postStartCommand, { shell: '(echo 1) && (echo 2)' });
    assert.ok(s.notes.some((n) => n.includes('not in parallel')));
  });

  it('hostRequirements size the sandbox; runArgs override them', () => {
    const s = parse(
      '{ "image": "x", "hostRequirements": { "cpus": 2, "memory": "1gb", "storage": "32gb" }, "runArgs": ["--cpus=1.5", "--cap-add", "SYS_PTRACE", "-e", "A=1", "--init"] }',
    );
    assert.deepStrictEqual(at(s.containers, 0).limits, { cpus: 1.5, memoryBytes: 1024 ** 3, pids: 1024 });
    assert.deepStrictEqual(s.capAdd, ['SYS_PTRACE']);
    assert.strictEqual(at(s.containers, 0).env.A, '1');
    assert.strictEqual(s.init, true);
    assert.ok(s.notes.some((n) => n.includes('storage')));
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

  it('needs an image or a Dockerfile', () => {
    assert.throws(() => parse('{ "dockerComposeFile": "x.yml" }'), /needs "image" or "build.dockerfile"/);
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
