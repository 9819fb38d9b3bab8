import * as assert from 'assert';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { describeEndpoint, discoverEndpoint, listContexts } from '../../../../src/backends/docker/discovery';

/** Writes a Docker context the way `docker context create` does (meta dir named by sha256 of the name). */
function writeContext(configDir: string, name: string, host: string, description = ''): void {
  const id = crypto.createHash('sha256').update(name).digest('hex');
  const dir = path.join(configDir, 'contexts', 'meta', id);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(
    path.join(dir, 'meta.json'),
    JSON.stringify({
      Name: name,
      Metadata: { Description: description },
      Endpoints: { docker: { Host: host, SkipTLSVerify: false } },
    }),
  );
}

function listen(sock: string): Promise<net.Server> {
  return new Promise((resolve) => {
    const srv = net.createServer().listen(sock, () => resolve(srv));
  });
}

describe('docker engine discovery (real files in temp dirs)', () => {
  let tmp: string;
  let home: string;
  const servers: net.Server[] = [];
  const none = () => path.join(tmp, 'absent.sock');

  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pv-disc-'));
    home = path.join(tmp, 'home');
    fs.mkdirSync(path.join(home, '.docker'), { recursive: true });
  });
  afterEach(() => {
    for (const s of servers.splice(0)) s.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('the setting wins over everything', () => {
    fs.writeFileSync(path.join(home, '.docker', 'config.json'), JSON.stringify({ currentContext: 'remote' }));
    writeContext(path.join(home, '.docker'), 'remote', 'tcp://10.0.0.9:2375');
    const ep = discoverEndpoint({
      settingHost: 'tcp://1.2.3.4:2375',
      env: { DOCKER_HOST: 'unix:///x.sock' },
      home,
      defaultSocket: none(),
    });
    assert.strictEqual(ep.host, 'tcp://1.2.3.4:2375');
    assert.strictEqual(ep.source, 'setting');
  });

  it('DOCKER_HOST comes before the current context', () => {
    fs.writeFileSync(path.join(home, '.docker', 'config.json'), JSON.stringify({ currentContext: 'remote' }));
    writeContext(path.join(home, '.docker'), 'remote', 'tcp://10.0.0.9:2375');
    const ep = discoverEndpoint({ env: { DOCKER_HOST: 'unix:///run/x.sock' }, home, defaultSocket: none() });
    assert.deepStrictEqual([ep.host, ep.source], ['unix:///run/x.sock', 'DOCKER_HOST']);
  });

  it('uses currentContext from config.json, with unix and tcp endpoints', () => {
    const cfg = path.join(home, '.docker');
    fs.writeFileSync(path.join(cfg, 'config.json'), JSON.stringify({ auths: {}, currentContext: 'remote' }));
    writeContext(cfg, 'remote', 'tcp://10.0.0.9:2375', 'a remote engine');
    writeContext(cfg, 'rootless', 'unix:///run/user/1000/docker.sock');
    const ep = discoverEndpoint({ env: {}, home, defaultSocket: none() });
    assert.deepStrictEqual([ep.host, ep.source, ep.context], ['tcp://10.0.0.9:2375', 'context', 'remote']);
    fs.writeFileSync(path.join(cfg, 'config.json'), JSON.stringify({ currentContext: 'rootless' }));
    assert.strictEqual(
      discoverEndpoint({ env: {}, home, defaultSocket: none() }).host,
      'unix:///run/user/1000/docker.sock',
    );
    const names = listContexts({ env: {}, home, defaultSocket: none() }).map(
      (c) => `${c.name}${c.current ? '*' : ''}`,
    );
    assert.deepStrictEqual(names, ['default', 'remote', 'rootless*']);
    assert.match(describeEndpoint(ep), /context remote/);
  });

  it('honours DOCKER_CONFIG instead of ~/.docker', () => {
    const alt = path.join(tmp, 'altcfg');
    fs.mkdirSync(alt);
    fs.writeFileSync(path.join(alt, 'config.json'), JSON.stringify({ currentContext: 'elsewhere' }));
    writeContext(alt, 'elsewhere', 'tcp://192.0.2.1:2376');
    const ep = discoverEndpoint({ env: { DOCKER_CONFIG: alt }, home, defaultSocket: none() });
    assert.strictEqual(ep.host, 'tcp://192.0.2.1:2376');
  });

  it('the context setting and DOCKER_CONTEXT pick a context; a missing one is an error, not a silent fallback', () => {
    const cfg = path.join(home, '.docker');
    writeContext(cfg, 'a', 'tcp://192.0.2.10:2375');
    writeContext(cfg, 'b', 'tcp://192.0.2.11:2375');
    assert.strictEqual(
      discoverEndpoint({
        settingContext: 'b',
        env: { DOCKER_HOST: 'unix:///x' },
        home,
        defaultSocket: none(),
      }).host,
      'tcp://192.0.2.11:2375',
    );
    assert.strictEqual(
      discoverEndpoint({ env: { DOCKER_CONTEXT: 'a' }, home, defaultSocket: none() }).host,
      'tcp://192.0.2.10:2375',
    );
    assert.throws(
      () => discoverEndpoint({ settingContext: 'nope', env: {}, home, defaultSocket: none() }),
      /context "nope"/,
    );
    fs.writeFileSync(path.join(cfg, 'config.json'), JSON.stringify({ currentContext: 'gone' }));
    assert.throws(() => discoverEndpoint({ env: {}, home, defaultSocket: none() }), /"gone"/);
  });

  it('falls back to the default socket, then Podman sockets, only when they are real sockets', async () => {
    const def = path.join(tmp, 'docker.sock');
    const xdg = path.join(tmp, 'xdg');
    fs.mkdirSync(path.join(xdg, 'podman'), { recursive: true });
    const rootPodman = path.join(tmp, 'root-podman.sock');
    // Nothing: not configured (first-run state), the CLI's default is still named.
    let ep = discoverEndpoint({
      env: { XDG_RUNTIME_DIR: xdg },
      home,
      defaultSocket: def,
      podmanRootSocket: rootPodman,
    });
    assert.deepStrictEqual([ep.configured, ep.source, ep.host], [false, 'none', `unix://${def}`]);
    // A plain file is not a socket.
    fs.writeFileSync(def, '');
    assert.strictEqual(
      discoverEndpoint({ env: {}, home, defaultSocket: def, podmanRootSocket: rootPodman }).configured,
      false,
    );
    fs.rmSync(def);
    servers.push(await listen(rootPodman));
    ep = discoverEndpoint({
      env: { XDG_RUNTIME_DIR: xdg },
      home,
      defaultSocket: def,
      podmanRootSocket: rootPodman,
    });
    assert.deepStrictEqual([ep.source, ep.host], ['podman', `unix://${rootPodman}`]);
    const userPodman = path.join(xdg, 'podman', 'podman.sock');
    servers.push(await listen(userPodman));
    assert.strictEqual(
      discoverEndpoint({
        env: { XDG_RUNTIME_DIR: xdg },
        home,
        defaultSocket: def,
        podmanRootSocket: rootPodman,
      }).host,
      `unix://${userPodman}`,
    );
    servers.push(await listen(def));
    ep = discoverEndpoint({
      env: { XDG_RUNTIME_DIR: xdg },
      home,
      defaultSocket: def,
      podmanRootSocket: rootPodman,
    });
    assert.deepStrictEqual([ep.source, ep.host, ep.configured], ['default', `unix://${def}`, true]);
  });

  it('ignores malformed config and meta files', () => {
    const cfg = path.join(home, '.docker');
    fs.writeFileSync(path.join(cfg, 'config.json'), '{not json');
    fs.mkdirSync(path.join(cfg, 'contexts', 'meta', 'junk'), { recursive: true });
    fs.writeFileSync(path.join(cfg, 'contexts', 'meta', 'junk', 'meta.json'), '[]');
    assert.deepStrictEqual(
      listContexts({ env: {}, home, defaultSocket: none() }).map((c) => c.name),
      ['default'],
    );
    assert.strictEqual(discoverEndpoint({ env: {}, home, defaultSocket: none() }).source, 'none');
  });
});
