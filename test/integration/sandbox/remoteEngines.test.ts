/**
 * Sandboxes on engines that are not a local socket, through the one Docker client: an ssh://
 * engine (a private sshd on 127.0.0.1 whose sessions run `docker system dial-stdio` against
 * the private test engine; key, host key and config made here, no agent) and a TLS tcp://
 * engine (a private dockerd with --tlsverify and certificates made here with openssl). Each
 * launches a real sandbox, runs a command in it over an exec, opens its terminal (a hijacked
 * connection), sees it in the engine store fed by events over that transport, and removes it.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { DockerClient, type EndpointAddress } from '../../../src/backends/docker/client';
import { ContainerStore } from '../../../src/backends/docker/store';
import { silentLogger } from '../../../src/common/log';
import { ContainerSandboxes } from '../../../src/sandbox/containerLauncher';
import { imageSpec } from '../../../src/sandbox/imageSource';
import { SandboxStore } from '../../../src/sandbox/store';
import { needDocker, skipBecause } from '../../harness/env';
import { BUSYBOX_IMAGE, docker, ensureBusyboxImage } from '../../harness/images';
import { startPrivateSshd, stopPrivateSshd, whyNoSshd, type PrivateSshd } from '../../harness/sshd';
import { startTlsEngine, stopTlsEngine, type TlsEngine } from '../../harness/tlsEngine';
import { ctx, leftovers, waitFor } from './helpers';

/** The same checks for every transport: launch, exec, terminal, store, remove. */
function sandboxRoundTrip(address: () => EndpointAddress, localHost: () => string): void {
  let client: DockerClient;
  let sandboxes: ContainerSandboxes;
  let ws: string;
  let name = '';

  before(() => {
    client = new DockerClient(address());
    sandboxes = new ContainerSandboxes(client);
    ws = fs.mkdtempSync(path.join(os.tmpdir(), 'pv-sbx-remote-ws-'));
    fs.writeFileSync(path.join(ws, 'hello.txt'), 'hello over the wire\n');
  });
  after(async function () {
    this.timeout(30_000);
    if (name) await sandboxes.remove(name).catch(() => undefined);
    fs.rmSync(ws, { recursive: true, force: true });
  });

  it('launches a sandbox, runs a command in it and reads the workspace', async function () {
    this.timeout(120_000);
    const spec = {
      ...imageSpec(BUSYBOX_IMAGE, ws),
      name: `remote-${process.pid}-${Date.now().toString(36)}`,
    };
    const report = await sandboxes.launch(spec, 'container', 'runc', ctx);
    name = report.name;
    assert.strictEqual(report.info.state, 'running');
    // The engine itself (over its local socket) has the container, with the sandbox's label.
    assert.strictEqual(
      docker(localHost(), ['ps', '--filter', `label=dev.podvisor.sandbox=${name}`, '--format', '{{.State}}']),
      'running',
    );
    const r = await sandboxes.exec(name, ['cat', 'hello.txt']);
    assert.strictEqual(r.exitCode, 0, r.stderr);
    assert.strictEqual(r.stdout, 'hello over the wire\n');
  });

  it('opens a terminal whose typed command answers', async function () {
    this.timeout(60_000);
    const s = await sandboxes.attach(name, { cols: 80, rows: 24 });
    let out = '';
    s.stream.on('data', (d: Buffer) => (out += d.toString()));
    try {
      s.stream.write('echo "sum:$((40 + 2))"\n');
      await waitFor(async () => (out.includes('sum:42') ? true : undefined), 20_000, 'the shell to answer');
    } finally {
      s.stream.write('exit\n');
      s.stream.destroy();
    }
  });

  it("the sandbox store sees a stop through the engine's event stream", async function () {
    this.timeout(60_000);
    const engine = new ContainerStore(client, { log: silentLogger, safetyPollMs: 0 });
    const store = new SandboxStore(undefined, silentLogger);
    try {
      await engine.start();
      store.bindEngine(engine);
      assert.strictEqual(store.status.kind, 'ready');
      assert.strictEqual(store.items.get(name)?.state, 'running');
      const changes: string[][] = [];
      store.onChange((c) => changes.push(c.ids === 'all' ? ['all'] : [...c.ids]));
      await sandboxes.stop(name);
      await waitFor(
        async () => (store.items.get(name)?.state === 'stopped' ? true : undefined),
        20_000,
        'the store to show the sandbox stopped',
      );
      assert.ok(
        changes.every((ids) => ids.length === 1 && ids[0] === name),
        `only this sandbox changed: ${JSON.stringify(changes)}`,
      );
    } finally {
      store.dispose();
      engine.dispose();
    }
  });

  it('remove leaves nothing behind', async function () {
    this.timeout(60_000);
    await sandboxes.remove(name);
    assert.deepStrictEqual(await leftovers(client, name), []);
    name = '';
  });
}

describe('sandbox: on an ssh:// engine (private sshd, dial-stdio)', function () {
  let sshd: PrivateSshd | undefined;
  let host = '';

  before(async function () {
    host = needDocker(this);
    const why = whyNoSshd();
    if (why) skipBecause(this, 'sshd', why);
    this.timeout(60_000);
    ensureBusyboxImage(host);
    sshd = await startPrivateSshd({
      env: { DOCKER_HOST: host, DOCKER_CONFIG: path.join(os.tmpdir(), 'podvisor-test-docker-config') },
    });
  });
  after(() => {
    if (sshd) stopPrivateSshd(sshd);
  });

  it('reaches the engine over ssh with the test key only (no agent), and says why when it cannot', async function () {
    this.timeout(30_000);
    const info = await new DockerClient({ host: sshd!.url, sshConfig: sshd!.clientConfig }).info();
    assert.ok(info.runtimes.includes('runc'));
    assert.match(fs.readFileSync(sshd!.log, 'utf8'), /Accepted publickey for \S+ from 127\.0\.0\.1/);
    // Without the test's config, ssh has no key and no known host: a clear failure, not a hang.
    const bad = new DockerClient({ host: `ssh://nobody@127.0.0.1:${sshd!.port}` });
    await assert.rejects(
      bad.info(),
      /Failed to connect to the container engine at ssh:\/\/nobody@127\.0\.0\.1:\d+ .*ssh: .*(Host key verification failed|Permission denied)/,
    );
  });

  sandboxRoundTrip(
    () => ({ host: sshd!.url, sshConfig: sshd!.clientConfig }),
    () => host,
  );
});

describe('sandbox: on a TLS tcp:// engine (--tlsverify, certificates made by the test)', function () {
  let engine: TlsEngine | undefined;

  before(async function () {
    needDocker(this);
    if (!fs.existsSync('/usr/bin/openssl'))
      skipBecause(this, 'openssl', 'not installed (Debian package openssl)');
    this.timeout(120_000);
    engine = await startTlsEngine();
    ensureBusyboxImage(engine.unixHost);
  });
  after(async function () {
    this.timeout(30_000);
    if (engine) await stopTlsEngine(engine);
  });

  it('answers with the client certificate, and refuses a client without one', async function () {
    this.timeout(30_000);
    const ok = new DockerClient({ host: engine!.host, tlsVerify: true, tlsDir: engine!.clientCertDir });
    assert.ok((await ok.info()).runtimes.includes('runc'));
    // The server checks clients: trusting its CA is not enough without a client certificate.
    const caOnly = fs.mkdtempSync(path.join(os.tmpdir(), 'pv-tls-ca-only-'));
    try {
      fs.copyFileSync(path.join(engine!.clientCertDir, 'ca.pem'), path.join(caOnly, 'ca.pem'));
      const noCert = new DockerClient({ host: engine!.host, tlsVerify: true, tlsDir: caOnly });
      await assert.rejects(noCert.info(), /Could not read the engine info: .+/);
    } finally {
      fs.rmSync(caOnly, { recursive: true, force: true });
    }
    const plain = new DockerClient({ host: engine!.host });
    await assert.rejects(plain.info(), /Could not read the engine info: .*HTTPS/i);
  });

  sandboxRoundTrip(
    () => ({ host: engine!.host, tlsVerify: true, tlsDir: engine!.clientCertDir }),
    () => engine!.unixHost,
  );
});
