/**
 * Features on the real engine: local features (options, dependsOn, installsAfter, containerEnv,
 * mounts, hooks) and OCI features pushed to the test registry (TLS + htpasswd on 127.0.0.1,
 * credentials and CA from a Docker config folder), built into one cached image layer; the
 * updateRemoteUserUID layer; privileged features refused unless allowed; a failing install.sh
 * and an unresolvable reference as one clear error each, with nothing left behind.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { needDocker, needRegistry, type TestRegistry } from '../../harness/env';
import { BUSYBOX_IMAGE, docker, ensureBusyboxImage } from '../../harness/images';
import { pushFeature, registryDockerConfig } from '../../harness/featurePush';
import { consoleLogger, type Logger } from '../../../src/common/log';
import { ContainerSandboxes } from '../../../src/sandbox/containerLauncher';
import { loadDevcontainer } from '../../../src/sandbox/devcontainer';
import { DockerClient } from '../../../src/backends/docker/client';
import { ctx, leftovers, makeWorkspace } from './helpers';

/** A feature folder's files: metadata and an install.sh (a shell script body). */
function feature(meta: Record<string, unknown>, install: string): Record<string, string> {
  return {
    'devcontainer-feature.json': JSON.stringify({ version: '1.0.0', name: String(meta.id), ...meta }),
    'install.sh': `#!/bin/sh\nset -e\n${install}\n`,
  };
}
function files(prefix: string, f: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(f).map(([k, v]) => [`${prefix}/${k}`, v]));
}

/** A logger that also keeps its lines (to see what was cached). */
function capture(): { log: Logger; lines: string[] } {
  const inner = consoleLogger('features-test');
  const lines: string[] = [];
  const keep = (f: (m: string) => void) => (m: string) => {
    lines.push(m);
    f(m);
  };
  return {
    lines,
    log: { ...inner, info: keep(inner.info.bind(inner)), warn: keep(inner.warn.bind(inner)) },
  };
}

describe('sandbox: features', function () {
  let host: string;
  let engine: DockerClient;
  let sandboxes: ContainerSandboxes;
  let cache: string;
  const names: string[] = [];
  const dirs: string[] = [];

  before(function () {
    host = needDocker(this);
    this.timeout(60_000);
    ensureBusyboxImage(host);
    engine = new DockerClient({ host });
    cache = fs.mkdtempSync(path.join(os.tmpdir(), 'pv-feat-cache-'));
    dirs.push(cache);
    sandboxes = new ContainerSandboxes(engine, { cacheDir: cache });
  });
  after(async function () {
    this.timeout(60_000);
    for (const n of names) await sandboxes.remove(n).catch(() => undefined);
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });

  const localWorkspace = () =>
    makeWorkspace(
      {
        image: BUSYBOX_IMAGE,
        remoteUser: 'dev',
        features: { './greet': { greeting: 'hey' }, './late': {} },
        postCreateCommand: 'echo user >> /tmp/hooks',
      },
      {
        ...files(
          '.devcontainer/base',
          feature(
            { id: 'base', containerEnv: { BASE_HOME: '/opt/base' } },
            'echo base >> /order.txt; mkdir -p /opt/base',
          ),
        ),
        ...files(
          '.devcontainer/greet',
          feature(
            {
              id: 'greet',
              options: {
                greeting: { type: 'string', default: 'hi' },
                loud: { type: 'boolean', default: false },
              },
              dependsOn: { './base': {} },
              containerEnv: { GREET: 'yes', PATH: '/opt/greet/bin:${PATH}' },
              mounts: [{ source: 'greet-${devcontainerId}', target: '/greet-cache', type: 'volume' }],
              postCreateCommand: 'echo greet >> /tmp/hooks',
            },
            'echo greet >> /order.txt; echo "$GREETING $LOUD $_REMOTE_USER $_REMOTE_USER_HOME $_CONTAINER_USER $BASE_HOME" > /greeting',
          ),
        ),
        ...files(
          '.devcontainer/late',
          feature({ id: 'late', installsAfter: ['./greet'] }, 'echo late >> /order.txt'),
        ),
      },
    );

  it('local features: dependsOn first, installsAfter honoured, options and user variables, containerEnv, mounts, hooks before the user’s', async function () {
    this.timeout(180_000);
    const ws = localWorkspace();
    dirs.push(ws);
    const spec = loadDevcontainer({ workspaceFolder: ws });
    const r = await sandboxes.launch(spec, 'container', 'runc', ctx);
    names.push(r.name);
    const sh = async (c: string) => (await sandboxes.exec(r.name, ['/bin/sh', '-c', c])).stdout.trim();
    assert.strictEqual(await sh('cat /order.txt'), 'base\ngreet\nlate');
    assert.strictEqual(await sh('cat /greeting'), 'hey false dev /home/dev root /opt/base');
    assert.strictEqual(await sh('echo "$GREET|$PATH"'), 'yes|/opt/greet/bin:/bin');
    assert.strictEqual(await sh('cat /tmp/hooks'), 'greet\nuser');
    const mounts = docker(host, [
      'inspect',
      '-f',
      '{{range .Mounts}}{{.Name}}={{.Destination}} {{end}}',
      r.info.ids[0] ?? '',
    ]);
    assert.match(mounts, new RegExp(`greet-${spec.devcontainerId}=/greet-cache`));
    assert.ok(r.timings.some((t) => t.phase === 'features'));
  });

  it('the features layer is cached by content: the same config again builds nothing; a changed option builds anew', async function () {
    this.timeout(180_000);
    const ws = localWorkspace();
    dirs.push(ws);
    const c1 = capture();
    const r1 = await sandboxes.launch(loadDevcontainer({ workspaceFolder: ws }), 'container', 'runc', {
      log: c1.log,
    });
    names.push(r1.name);
    assert.ok(
      c1.lines.some((l) => /features image podvisor-features:[0-9a-f]{32} \(cached\)/.test(l)),
      'same inputs as the test before',
    );
    assert.ok(!c1.lines.some((l) => l.startsWith('[features]')), 'no build output');
    await sandboxes.remove(r1.name);
    const dc = path.join(ws, '.devcontainer', 'devcontainer.json');
    fs.writeFileSync(dc, fs.readFileSync(dc, 'utf8').replace('"hey"', '"hello"'));
    const c2 = capture();
    const r2 = await sandboxes.launch(loadDevcontainer({ workspaceFolder: ws }), 'container', 'runc', {
      log: c2.log,
    });
    assert.ok(
      c2.lines.some((l) => /features image podvisor-features:[0-9a-f]{32}$/.test(l)),
      c2.lines.filter((l) => l.includes('features image')).join('; '),
    );
    assert.match((await sandboxes.exec(r2.name, ['cat', '/greeting'])).stdout, /^hello /);
    await sandboxes.remove(r2.name);
  });

  it('updateRemoteUserUID gives the remote user the host user’s uid and gid', async function () {
    this.timeout(120_000);
    const ws = makeWorkspace({ image: BUSYBOX_IMAGE, remoteUser: 'dev' });
    dirs.push(ws);
    const r = await sandboxes.launch(loadDevcontainer({ workspaceFolder: ws }), 'container', 'runc', {
      ...ctx,
      localUser: { uid: 4242, gid: 4343 },
    });
    names.push(r.name);
    assert.strictEqual(
      (
        await sandboxes.exec(r.name, ['/bin/sh', '-c', 'id -u dev; id -g dev; stat -c %u /home/dev'])
      ).stdout.trim(),
      '4242\n4343\n4242',
    );
    await sandboxes.remove(r.name);
    // Off: the image's own uid.
    const ws2 = makeWorkspace({ image: BUSYBOX_IMAGE, remoteUser: 'dev', updateRemoteUserUID: false });
    dirs.push(ws2);
    const r2 = await sandboxes.launch(loadDevcontainer({ workspaceFolder: ws2 }), 'container', 'runc', {
      ...ctx,
      localUser: { uid: 4242, gid: 4343 },
    });
    names.push(r2.name);
    assert.strictEqual((await sandboxes.exec(r2.name, ['id', '-u', 'dev'])).stdout.trim(), '1000');
  });

  it('a privileged feature is refused with the setting that allows it; allowed, it is granted', async function () {
    this.timeout(120_000);
    const ws = makeWorkspace(
      { image: BUSYBOX_IMAGE, features: { './dind': {} } },
      files('.devcontainer/dind', feature({ id: 'dind', privileged: true, capAdd: ['SYS_ADMIN'] }, 'true')),
    );
    dirs.push(ws);
    const spec = loadDevcontainer({ workspaceFolder: ws });
    const images = () =>
      docker(host, ['images', '-q', '--filter', 'label=dev.podvisor.cache=features'])
        .split('\n')
        .sort()
        .join(' ');
    const before = images();
    await assert.rejects(
      sandboxes.launch(spec, 'container', 'runc', ctx),
      /hardening refuses feature \.\/dind asking for privileged mode \(every capability and host device\), capabilities SYS_ADMIN\. To allow it, add "\.\/dind" to the user setting podvisor\.sandbox\.allowPrivileges/,
    );
    assert.strictEqual(images(), before, 'refused before anything was built');
    assert.deepStrictEqual(await leftovers(engine, spec.name), []);
    // Allowed: granted. (This machine's engine cannot start a --privileged container at all, its
    // bounding set lacks a capability, so the grant is shown with a capability request.)
    const ws2 = makeWorkspace(
      { image: BUSYBOX_IMAGE, features: { './admin': {} } },
      files('.devcontainer/admin', feature({ id: 'admin', capAdd: ['SYS_ADMIN'] }, 'true')),
    );
    dirs.push(ws2);
    const spec2 = loadDevcontainer({ workspaceFolder: ws2 });
    await assert.rejects(
      sandboxes.launch(spec2, 'container', 'runc', ctx),
      /feature \.\/admin asking for capabilities SYS_ADMIN/,
    );
    const r = await sandboxes.launch(spec2, 'container', 'runc', { ...ctx, allowPrivileges: ['./admin'] });
    names.push(r.name);
    assert.match(
      docker(host, ['inspect', '-f', '{{json .HostConfig.CapAdd}}', r.info.ids[0] ?? '']),
      /"SYS_ADMIN"/,
    );
  });

  it('a feature whose install.sh fails: one error naming it with its output; nothing left behind', async function () {
    this.timeout(120_000);
    const marker = `broken-${Date.now()}`;
    const ws = makeWorkspace(
      { image: BUSYBOX_IMAGE, features: { './broken': {} } },
      files(
        '.devcontainer/broken',
        feature({ id: 'broken' }, `echo ${marker}; echo "no such package" >&2; exit 9`),
      ),
    );
    dirs.push(ws);
    const all = () => docker(host, ['images', '-a', '-q']).split('\n').filter(Boolean).sort();
    const before = all();
    const spec = loadDevcontainer({ workspaceFolder: ws });
    await assert.rejects(
      sandboxes.launch(spec, 'container', 'runc', ctx),
      /Feature \.\/broken failed to install: .*returned a non-zero code: 9 \(its output: .*no such package/,
    );
    assert.deepStrictEqual(await leftovers(engine, spec.name), []);
    assert.deepStrictEqual(
      all().filter((i) => !before.includes(i)),
      [],
      'no image of the failed build is left',
    );
  });

  describe('OCI features from the registry on 127.0.0.1', function () {
    let reg: TestRegistry;
    let cfg: string;
    let oci: ContainerSandboxes;
    before(async function () {
      reg = needRegistry(this);
      this.timeout(60_000);
      const src = fs.mkdtempSync(path.join(os.tmpdir(), 'pv-feat-src-'));
      dirs.push(src);
      const write = (name: string, f: Record<string, string>) => {
        fs.mkdirSync(path.join(src, name), { recursive: true });
        for (const [k, v] of Object.entries(f)) fs.writeFileSync(path.join(src, name, k), v, { mode: 0o755 });
      };
      write('tools', feature({ id: 'tools' }, 'echo tools >> /order.txt'));
      write(
        'hello',
        feature(
          {
            id: 'hello',
            options: { who: { type: 'string', default: 'world' } },
            dependsOn: { [`${reg.address}/pvtest/features/tools:1`]: {} },
          },
          'echo hello >> /order.txt; echo "hello $WHO" > /hello',
        ),
      );
      await pushFeature(reg, 'pvtest/features/tools', ['1', '1.0.0'], path.join(src, 'tools'));
      await pushFeature(reg, 'pvtest/features/hello', ['1', 'latest'], path.join(src, 'hello'));
      cfg = registryDockerConfig(reg, fs.mkdtempSync(path.join(os.tmpdir(), 'pv-feat-cfg-')));
      dirs.push(cfg);
      oci = new ContainerSandboxes(engine, { cacheDir: cache, dockerConfigDir: cfg });
    });

    it('resolves, downloads (checked by digest), orders and installs them with their options', async function () {
      this.timeout(180_000);
      const ws = makeWorkspace({
        image: BUSYBOX_IMAGE,
        features: { [`${reg.address}/pvtest/features/hello:1`]: { who: 'registry' } },
      });
      dirs.push(ws);
      const r = await oci.launch(loadDevcontainer({ workspaceFolder: ws }), 'container', 'runc', ctx);
      names.push(r.name);
      assert.strictEqual((await oci.exec(r.name, ['cat', '/order.txt'])).stdout, 'tools\nhello\n');
      assert.strictEqual((await oci.exec(r.name, ['cat', '/hello'])).stdout.trim(), 'hello registry');
      assert.ok(
        fs.readdirSync(path.join(cache, 'features', 'oci')).length >= 2,
        'unpacked into the cache by digest',
      );
    });

    it('a reference that does not resolve, and a registry without our credentials: one clear error each', async function () {
      this.timeout(60_000);
      const ws = makeWorkspace({
        image: BUSYBOX_IMAGE,
        features: { [`${reg.address}/pvtest/features/nope:1`]: {} },
      });
      dirs.push(ws);
      const spec = loadDevcontainer({ workspaceFolder: ws });
      await assert.rejects(
        oci.launch(spec, 'container', 'runc', ctx),
        /Feature 127\.0\.0\.1:\d+\/pvtest\/features\/nope:1 cannot be resolved: Registry 127\.0\.0\.1:\d+: not found/,
      );
      assert.deepStrictEqual(await leftovers(engine, spec.name), []);
      const anon = new ContainerSandboxes(engine, {
        cacheDir: fs.mkdtempSync(path.join(os.tmpdir(), 'pv-feat-c2-')),
        dockerConfigDir: path.join(cfg, 'none'),
      });
      const ws2 = makeWorkspace({
        image: BUSYBOX_IMAGE,
        features: { [`${reg.address}/pvtest/features/hello:1`]: {} },
      });
      dirs.push(ws2);
      await assert.rejects(
        anon.launch(loadDevcontainer({ workspaceFolder: ws2 }), 'container', 'runc', ctx),
        /cannot be resolved: Registry 127\.0\.0\.1:\d+ needs a user name and password/,
      );
    });
  });
});
