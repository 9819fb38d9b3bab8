import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { needDocker, needPodman, needRegistry, type TestRegistry } from '../../harness/env';
import { docker, ensureBusyboxImage } from '../../harness/images';
import { DockerClient } from '../../../src/backends/docker/client';
import {
  imageHistory,
  pruneImages,
  pullImage,
  pushAs,
  tagImage,
} from '../../../src/backends/docker/imageOps';
import { RegistryClient } from '../../../src/backends/registry/client';
import { dockerConfigCredentials } from '../../../src/backends/registry/credentials';
import { processRunner } from '../../../src/common/process';
import { cleanup, PREFIX } from './helpers';

/** Pushes, pulls, browses and deletes against the real registry (TLS, htpasswd) on 127.0.0.1. */
describe('images and the registry, for real', function () {
  this.timeout(180_000);
  let host: string;
  let reg: TestRegistry;
  let client: DockerClient;
  let registry: RegistryClient;
  let img: string;
  const repo = `pvtest/${PREFIX}`;
  const auth = () => ({ username: reg.user, password: reg.password, serveraddress: reg.address });

  before(function () {
    host = needDocker(this);
    reg = needRegistry(this);
    img = ensureBusyboxImage(host);
    client = new DockerClient({ host });
    registry = new RegistryClient({ url: reg.url, ca: fs.readFileSync(reg.ca) }, async () => ({
      username: reg.user,
      password: reg.password,
    }));
  });
  after(function () {
    if (!host) return;
    cleanup(host);
    for (const t of ['v1', 'v2', 'bad', 'down'])
      try {
        docker(host, ['rmi', `${reg.address}/${repo}:${t}`]);
      } catch {
        /* not there */
      }
  });

  it('push under a registry name: the registry has the tag, with the digest the engine reported', async function () {
    const target = `${reg.address}/${repo}:v1`;
    const lines: string[] = [];
    const digest = await pushAs(client, img, target, {
      auth: auth(),
      onProgress: (p) => lines.push(p.status),
    });
    assert.match(digest ?? '', /^sha256:[0-9a-f]{64}$/);
    assert.ok(
      lines.some((l) => /Pushed|Layer already exists/.test(l)),
      lines.join('|'),
    );
    assert.ok((await registry.repositories()).includes(repo));
    assert.deepStrictEqual(await registry.tags(repo), ['v1']);
    assert.strictEqual(await registry.digest(repo, 'v1'), digest);
  });

  it('pull brings the image back after it was removed locally', async function () {
    const ref = `${reg.address}/${repo}:v1`;
    docker(host, ['rmi', ref]);
    await pullImage(client, ref, { auth: auth() });
    assert.ok(docker(host, ['image', 'inspect', '-f', '{{.Id}}', ref]).startsWith('sha256:'));
  });

  it('a wrong password: one clear message, and no tag left behind', async function () {
    const target = `${reg.address}/${repo}:bad`;
    await assert.rejects(
      pushAs(client, img, target, { auth: { ...auth(), password: 'wrong' } }),
      (e: Error) => {
        assert.match(e.message, /^Could not push .*:bad: .*(unauthorized|authentication required)/i);
        return true;
      },
    );
    assert.throws(() => docker(host, ['image', 'inspect', target]), /No such image/);
    const wrong = new RegistryClient({ url: reg.url, ca: fs.readFileSync(reg.ca) }, async () => ({
      username: reg.user,
      password: 'wrong',
    }));
    await assert.rejects(wrong.repositories(), /Registry 127\.0\.0\.1:\d+ refused the credentials of pvtest/);
    assert.ok(!(await registry.tags(repo)).includes('bad'));
  });

  it('a registry that is down: one clear message, and no tag left behind', async function () {
    const down = `127.0.0.1:9/${repo}:down`; // port 9 (discard): nothing listens here
    await assert.rejects(pushAs(client, img, down, { auth: auth() }), (e: Error) => {
      assert.match(e.message, /^Could not push 127\.0\.0\.1:9\/.*: .*(connection refused|connect)/i);
      return true;
    });
    assert.throws(() => docker(host, ['image', 'inspect', down]), /No such image/);
    const none = new RegistryClient({ url: 'https://127.0.0.1:9' }, async () => undefined);
    await assert.rejects(none.check(), /Registry 127\.0\.0\.1:9 is not reachable: .*ECONNREFUSED/);
  });

  it('deleting a tag removes it from the registry (and says which other tags shared its digest)', async function () {
    await pushAs(client, img, `${reg.address}/${repo}:v2`, { auth: auth() });
    const { digest, others } = await registry.tagsSharingDigest(repo, 'v2');
    assert.deepStrictEqual(others, ['v1']);
    await registry.deleteManifest(repo, digest);
    assert.deepStrictEqual(await registry.tags(repo), []);
    await assert.rejects(registry.digest(repo, 'v2'), /not found/);
  });

  it('tag, history and prune change the engine', async function () {
    const t = `${PREFIX}-tagged:x`;
    await tagImage(client, img, t);
    assert.strictEqual(
      docker(host, ['image', 'inspect', '-f', '{{.Id}}', t]),
      docker(host, ['image', 'inspect', '-f', '{{.Id}}', img]),
    );
    const h = await imageHistory(client, t);
    assert.ok(h[0]?.tags.includes(`${PREFIX}-tagged:x`), JSON.stringify(h[0]));
    docker(host, ['rmi', t]);
    // A dangling image of our own: build one, untag it, prune.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pv-prune-'));
    fs.writeFileSync(path.join(dir, 'Dockerfile'), `FROM ${img}\nRUN echo ${PREFIX} > /prune-me\n`);
    docker(host, ['build', '-q', '-t', `${PREFIX}-dangling:1`, dir]);
    const id = docker(host, ['image', 'inspect', '-f', '{{.Id}}', `${PREFIX}-dangling:1`]);
    docker(host, ['tag', img, `${PREFIX}-dangling:1`]); // moves the name away: `id` is dangling now
    const r = await pruneImages(client);
    assert.ok(r.deleted.includes(id), JSON.stringify(r));
    assert.throws(() => docker(host, ['image', 'inspect', id]), /No such image/);
    docker(host, ['rmi', `${PREFIX}-dangling:1`]);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('credentials from a Docker config.json (auths) reach the registry', async function () {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pv-dockercfg-'));
    fs.writeFileSync(
      path.join(dir, 'config.json'),
      JSON.stringify({
        auths: { [reg.address]: { auth: Buffer.from(`${reg.user}:${reg.password}`).toString('base64') } },
      }),
    );
    const creds = await dockerConfigCredentials(reg.address, { configDir: dir, runner: processRunner });
    assert.deepStrictEqual(creds, { username: reg.user, password: reg.password });
    const viaConfig = new RegistryClient({ url: reg.url, ca: fs.readFileSync(reg.ca) }, async () => creds);
    await viaConfig.check();
    // A credential helper that is not installed: no credentials, not a crash.
    fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ credsStore: 'pv-missing-helper' }));
    assert.strictEqual(
      await dockerConfigCredentials(reg.address, { configDir: dir, runner: processRunner }).catch(
        (e: Error) => e.message,
      ),
      undefined,
    );
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('Podman pushes to and pulls from the same registry', async function () {
    const phost = needPodman(this);
    const pimg = ensureBusyboxImage(phost);
    const pc = new DockerClient({ host: phost });
    const target = `${reg.address}/${repo}-podman:p1`;
    await pushAs(pc, pimg, target, { auth: auth() });
    assert.deepStrictEqual(await registry.tags(`${repo}-podman`), ['p1']);
    docker(phost, ['rmi', target]);
    await pullImage(pc, target, { auth: auth() });
    assert.match(docker(phost, ['image', 'inspect', '-f', '{{.Id}}', target]), /^(sha256:)?[0-9a-f]{64}$/);
    docker(phost, ['rmi', target]);
  });
});
