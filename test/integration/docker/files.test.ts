import * as assert from 'assert';
import * as crypto from 'crypto';
import { needDocker, needGvisor } from '../../harness/env';
import { docker, ensureBusyboxImage } from '../../harness/images';
import { DockerClient } from '../../../src/backends/docker/client';
import { ContainerFiles, type ContainerFileError } from '../../../src/backends/docker/files';
import { cleanup, PREFIX } from './helpers';

/** Files of real containers through the archive endpoints: every write is read back by the engine itself. */
describe('container files over the archive API', function () {
  this.timeout(120_000);
  let host: string;
  let img: string;
  let files: ContainerFiles;
  let running: string;
  let stopped: string;

  before(function () {
    host = needDocker(this);
    img = ensureBusyboxImage(host);
    files = new ContainerFiles(new DockerClient({ host }));
    running = docker(host, ['run', '-d', '--name', `${PREFIX}-files`, img, 'sleep', '600']);
    stopped = docker(host, ['create', '--name', `${PREFIX}-files-stopped`, img, 'cat', '/tmp/hello.txt']);
  });
  after(function () {
    if (host) cleanup(host);
  });

  it('lists a folder: names and types of its direct children only', async function () {
    const etc = await files.list(running, '/etc');
    const names = etc.map((e) => e.name);
    assert.ok(names.includes('passwd') && names.includes('group'), names.join(','));
    assert.ok(etc.every((e) => !e.name.includes('/')));
    const root = await files.list(running, '/');
    const bin = root.find((e) => e.name === 'bin');
    assert.strictEqual(bin?.type, 'directory');
    const sh = (await files.list(running, '/bin')).find((e) => e.name === 'sh');
    assert.strictEqual(sh?.type, 'symlink');
    assert.strictEqual(sh?.linkTarget, 'busybox');
    assert.strictEqual((await files.stat(running, '/etc')).type, 'directory');
    assert.strictEqual((await files.stat(running, '/etc/passwd')).type, 'file');
  });

  it('reads what the container has, and follows a symlink', async function () {
    const passwd = await files.read(running, '/etc/passwd');
    assert.strictEqual(
      passwd.data.toString('utf8').trim(),
      docker(host, ['exec', running, 'cat', '/etc/passwd']),
    );
    assert.strictEqual(passwd.mode & 0o777, 0o644);
    const viaLink = await files.read(running, '/bin/sh');
    assert.strictEqual(viaLink.data.length, (await files.stat(running, '/bin/busybox')).size);
  });

  it('writes a new file and replaces one keeping its owner and mode; the container sees both', async function () {
    await files.write(running, '/tmp/new file ü.txt', Buffer.from('fresh\n'));
    assert.strictEqual(docker(host, ['exec', running, 'cat', '/tmp/new file ü.txt']), 'fresh');
    docker(host, [
      'exec',
      running,
      'sh',
      '-c',
      'echo old > /home/dev/notes && chown 1000:1000 /home/dev/notes && chmod 640 /home/dev/notes',
    ]);
    const cur = await files.read(running, '/home/dev/notes');
    assert.strictEqual(cur.uid, 1000);
    await files.write(running, '/home/dev/notes', Buffer.from('edited\n'), cur);
    assert.strictEqual(docker(host, ['exec', running, 'cat', '/home/dev/notes']), 'edited');
    assert.strictEqual(
      docker(host, ['exec', running, 'stat', '-c', '%u:%g %a', '/home/dev/notes']),
      '1000:1000 640',
    );
  });

  it('a 10 MB file goes in and comes out byte for byte', async function () {
    const data = crypto.randomBytes(10 * 1024 * 1024);
    await files.write(running, '/tmp/big.bin', data);
    assert.strictEqual(
      docker(host, ['exec', running, 'md5sum', '/tmp/big.bin']).split(' ')[0],
      crypto.createHash('md5').update(data).digest('hex'),
    );
    const back = await files.read(running, '/tmp/big.bin');
    assert.ok(back.data.equals(data));
  });

  it('works on a stopped container: the file written is there when it starts', async function () {
    await files.write(stopped, '/tmp/hello.txt', Buffer.from('written while stopped\n'));
    assert.strictEqual(
      (await files.read(stopped, '/tmp/hello.txt')).data.toString(),
      'written while stopped\n',
    );
    await files.mkdir(stopped, '/tmp/made-here');
    assert.strictEqual((await files.stat(stopped, '/tmp/made-here')).type, 'directory');
    assert.strictEqual(docker(host, ['start', '-a', stopped]), 'written while stopped');
    await assert.rejects(
      files.remove(docker(host, ['create', '--name', `${PREFIX}-files-stopped2`, img]), '/tmp'),
      (e: ContainerFileError) => e.kind === 'unavailable' && /not running/.test(e.message),
    );
  });

  it('delete and rename in a running container change the real files', async function () {
    await files.write(running, '/tmp/a.txt', Buffer.from('a'));
    await files.rename(running, '/tmp/a.txt', '/tmp/b.txt');
    assert.strictEqual(docker(host, ['exec', running, 'cat', '/tmp/b.txt']), 'a');
    await files.remove(running, '/tmp/b.txt');
    assert.strictEqual(
      docker(host, ['exec', running, 'sh', '-c', 'test -e /tmp/b.txt && echo yes || echo no']),
      'no',
    );
  });

  it('clear errors: missing file, a folder read as a file, a read-only root, a gone container', async function () {
    await assert.rejects(files.read(running, '/etc/nope'), (e: ContainerFileError) => {
      assert.strictEqual(e.kind, 'not-found');
      assert.match(e.message, /\/etc\/nope/);
      return true;
    });
    await assert.rejects(files.stat(running, '/etc/nope'), (e: ContainerFileError) => e.kind === 'not-found');
    await assert.rejects(files.read(running, '/etc'), (e: ContainerFileError) => e.kind === 'is-a-directory');
    const ro = docker(host, [
      'run',
      '-d',
      '--read-only',
      '--name',
      `${PREFIX}-files-ro`,
      img,
      'sleep',
      '600',
    ]);
    await assert.rejects(files.write(ro, '/etc/motd', Buffer.from('x')), (e: ContainerFileError) => {
      assert.strictEqual(e.kind, 'no-permissions');
      assert.match(e.message, /Could not write \/etc\/motd: .*read-only/);
      return true;
    });
    assert.strictEqual(
      docker(host, ['exec', ro, 'sh', '-c', 'test -e /etc/motd && echo yes || echo no']),
      'no',
    );
    await assert.rejects(
      files.stat('f'.repeat(64), '/'),
      (e: ContainerFileError) => e.kind === 'unavailable',
    );
    await assert.rejects(files.read(running, 'x\0y'), /Not a path/);
  });

  it('works on a gVisor container: sees what the sandbox wrote, and the sandbox sees what we write', async function () {
    needGvisor(this);
    const g = docker(host, [
      'run',
      '-d',
      '--runtime=runsc',
      '--name',
      `${PREFIX}-files-gvisor`,
      img,
      'sleep',
      '600',
    ]);
    docker(host, ['exec', g, 'sh', '-c', 'echo from-inside > /tmp/inside.txt']);
    assert.ok((await files.list(g, '/tmp')).some((e) => e.name === 'inside.txt'));
    assert.strictEqual((await files.read(g, '/tmp/inside.txt')).data.toString(), 'from-inside\n');
    await files.write(g, '/tmp/in-gvisor.txt', Buffer.from('hello gvisor\n'));
    assert.strictEqual(docker(host, ['exec', g, 'cat', '/tmp/in-gvisor.txt']), 'hello gvisor');
    assert.strictEqual((await files.stat(g, '/tmp/in-gvisor.txt')).size, 13);
    await assert.rejects(files.read(g, '/tmp/nope'), (e: ContainerFileError) => e.kind === 'not-found');
    // Stopped, it is read from the host side like any other.
    docker(host, ['stop', '-t', '0', g]);
    assert.ok((await files.list(g, '/etc')).some((e) => e.name === 'passwd'));
  });
});
