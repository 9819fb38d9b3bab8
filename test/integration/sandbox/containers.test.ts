import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { needDocker, needGvisor } from '../../harness/env';
import { BUSYBOX_IMAGE, docker, ensureBusyboxImage } from '../../harness/images';
import { ContainerSandboxes } from '../../../src/sandbox/containerLauncher';
import { loadDevcontainer } from '../../../src/sandbox/devcontainer';
import { DockerClient } from '../../../src/backends/docker/client';
import { ctx, httpGet, leftovers, makeWorkspace, nonLoopbackAddress, waitFor } from './helpers';
import { at } from '../../harness/pick';

/** The busybox devcontainer, built locally from a Dockerfile over the busybox test image. */
function busyboxWorkspace(): string {
  return makeWorkspace(
    `// JSONC: comments and trailing commas are allowed
{
  "name": "busybox sample",
  "build": { "dockerfile": "Dockerfile", "args": { "GREETING": "hi" } },
  "forwardPorts": [8080],
  "containerEnv": { "SAMPLE": "yes" },
  "postCreateCommand": "echo created >> created.log",
  "postStartCommand": "mkdir -p /tmp/www && echo podvisor-port > /tmp/www/index.html && httpd -p 8080 -h /tmp/www",
  "hostRequirements": { "cpus": 1, "memory": "256mb" },
  "features": {},
}`,
    {
      '.devcontainer/Dockerfile': `FROM ${BUSYBOX_IMAGE}\nARG GREETING\nRUN echo "$GREETING" > /greeting\n`,
      'hello.txt': 'hello from the host\n',
    },
  );
}

for (const level of ['container', 'gvisor'] as const) {
  describe(`sandbox: devcontainer as ${level}`, function () {
    let engine: DockerClient;
    let sandboxes: ContainerSandboxes;
    let ws: string;
    let name: string;
    let host: string;

    before(function () {
      host = level === 'gvisor' ? (needGvisor(this), needDocker(this)) : needDocker(this);
      this.timeout(120_000);
      ensureBusyboxImage(host);
      engine = new DockerClient({ host });
      sandboxes = new ContainerSandboxes(engine);
      ws = busyboxWorkspace();
    });

    after(async function () {
      this.timeout(60_000);
      if (name) await sandboxes.remove(name).catch(() => undefined);
      if (ws) fs.rmSync(ws, { recursive: true, force: true });
    });

    it('builds, creates, starts and runs postCreateCommand once', async function () {
      this.timeout(120_000);
      const spec = loadDevcontainer({ workspaceFolder: ws });
      assert.deepStrictEqual(spec.notes, [], 'every key of this config is honoured');
      assert.strictEqual(spec.features, undefined, 'an empty features object is no features');
      const report = await sandboxes.launch(spec, level, level === 'gvisor' ? 'runsc' : 'runc', ctx);
      name = report.name;
      assert.deepStrictEqual(
        report.timings.map((t) => t.phase),
        ['prepare', 'build', 'create', 'start', 'post-create', 'post-start'],
      );
      assert.strictEqual(report.info.state, 'running');
      assert.strictEqual(fs.readFileSync(path.join(ws, 'created.log'), 'utf8'), 'created\n');
      const r = await sandboxes.exec(name, ['cat', '/greeting']);
      assert.strictEqual(r.stdout.trim(), 'hi', 'the build arg reached the Dockerfile');
    });

    it('the first terminal is the login shell the launch already started; after it exits, the next is a new one', async function () {
      this.timeout(60_000);
      const shells = async () =>
        (await sandboxes.exec(name, ['ps', '-o', 'args'])).stdout
          .split('\n')
          .filter((l) => /sh -l$/.test(l.trim())).length;
      assert.strictEqual(await shells(), 1, 'one login shell waits for the first terminal');
      const target = (await sandboxes.find(name))!.workspaceTarget!;
      for (const turn of ['first', 'second']) {
        const s = await sandboxes.attach(name, { cols: 100, rows: 20 });
        let out = '';
        s.stream.on('data', (d: Buffer) => {
          out += d.toString();
        });
        s.stream.write('echo "at:$(pwd)"\n');
        await waitFor(
          async () => (out.includes(`at:${target}`) ? true : undefined),
          20_000,
          `the ${turn} terminal answers in the workspace`,
        );
        assert.strictEqual(await shells(), 1, `the ${turn} terminal is the only login shell`);
        s.stream.write('exit\n');
        await waitFor(
          async () => ((await shells()) === 0 ? true : undefined),
          20_000,
          `exit ends the ${turn} terminal's shell`,
        );
        s.stream.destroy();
      }
    });

    it(`really runs under ${level === 'gvisor' ? 'runsc' : 'runc'}, hardened`, async function () {
      const r = await sandboxes.exec(name, [
        '/bin/sh',
        '-c',
        'dmesg 2>/dev/null | head -3; grep -E "^(CapEff|NoNewPrivs)" /proc/self/status',
      ]);
      if (level === 'gvisor') assert.match(r.stdout, /gVisor/, r.stdout);
      else assert.doesNotMatch(r.stdout, /gVisor/);
      // gVisor's /proc does not show NoNewPrivs; the engine's view of the container does.
      if (level === 'container') assert.match(r.stdout, /NoNewPrivs:\s+1/);
      const hc = JSON.parse(
        docker(host, ['inspect', '-f', '{{json .HostConfig}}', at((await sandboxes.find(name))!.ids, 0)]),
      ) as Record<string, unknown>;
      assert.deepStrictEqual(hc.SecurityOpt, ['no-new-privileges:true']);
      assert.deepStrictEqual(hc.CapDrop, ['ALL']);
      assert.strictEqual(hc.Runtime, level === 'gvisor' ? 'runsc' : 'runc');
      assert.ok(
        (hc.PidsLimit as number) > 0 &&
          (hc.Memory as number) === 256 * 1024 * 1024 &&
          (hc.NanoCpus as number) === 1e9,
        JSON.stringify(hc),
      );
      const capEff = BigInt('0x' + /CapEff:\s+([0-9a-f]+)/.exec(r.stdout)![1]);
      assert.ok(
        capEff !== 0x1ffffffffffn && (capEff & (1n << 21n)) === 0n,
        `CAP_SYS_ADMIN must be dropped (CapEff ${capEff.toString(16)})`,
      );
      const sock = await sandboxes.exec(name, [
        '/bin/sh',
        '-c',
        'ls /var/run/docker.sock /run/docker.sock 2>&1; true',
      ]);
      assert.match(sock.stdout, /No such file/);
    });

    it('reads a workspace file and writes one that appears on the host', async function () {
      const r = await sandboxes.exec(name, [
        '/bin/sh',
        '-c',
        'cat hello.txt && echo "written by $SAMPLE" > from-sandbox.txt',
      ]);
      assert.strictEqual(r.exitCode, 0, r.stderr);
      assert.strictEqual(r.stdout, 'hello from the host\n');
      assert.strictEqual(fs.readFileSync(path.join(ws, 'from-sandbox.txt'), 'utf8'), 'written by yes\n');
    });

    it('answers a forwarded port on 127.0.0.1 only', async function () {
      this.timeout(30_000);
      const info = (await sandboxes.find(name))!;
      const p = info.ports.find((x) => x.container === 8080);
      assert.ok(p, `port 8080 published: ${JSON.stringify(info.ports)}`);
      assert.strictEqual(p.hostIp, '127.0.0.1');
      const body = await waitFor(
        async () => ((await httpGet('127.0.0.1', p.host)).includes('podvisor-port') ? true : undefined),
        10_000,
        'httpd on the forwarded port',
      );
      assert.ok(body);
      const other = nonLoopbackAddress();
      assert.ok(other, 'the host has a non-loopback address to test against');
      await assert.rejects(httpGet(other, p.host, 2000), /ECONNREFUSED|timeout/);
    });

    it('restart runs postStartCommand but not postCreateCommand', async function () {
      this.timeout(60_000);
      const rep = await sandboxes.restart(name, ctx);
      assert.strictEqual(rep.info.state, 'running');
      assert.strictEqual(fs.readFileSync(path.join(ws, 'created.log'), 'utf8'), 'created\n');
      const info = (await sandboxes.find(name))!;
      const p = info.ports.find((x) => x.container === 8080)!;
      await waitFor(
        async () => ((await httpGet('127.0.0.1', p.host)).includes('podvisor-port') ? true : undefined),
        10_000,
        'httpd after restart',
      );
    });

    it("uses the image's non-root user when it can write the workspace", async function () {
      fs.chownSync(ws, 1000, 1000);
      const r = await sandboxes.exec(name, ['/bin/sh', '-c', 'id -un && echo x > by-dev.txt']);
      assert.strictEqual(r.stdout.split('\n')[0], 'dev', r.stderr);
      assert.strictEqual(fs.statSync(path.join(ws, 'by-dev.txt')).uid, 1000);
    });

    it('remove leaves nothing behind and never touches the workspace', async function () {
      this.timeout(60_000);
      const before = fs.readdirSync(ws).sort();
      await sandboxes.remove(name);
      assert.deepStrictEqual(await leftovers(engine, name), []);
      assert.deepStrictEqual(fs.readdirSync(ws).sort(), before);
      name = '';
    });
  });
}
