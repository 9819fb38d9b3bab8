import * as assert from 'assert';
import { dockerRuntimes, needDocker } from '../../harness/env';
import { DockerClient } from '../../../src/backends/docker/client';
import { containerLevels, kataRuntime } from '../../../src/sandbox/levels';
import { entry } from '../../harness/pick';

describe('sandbox: isolation levels detected from the real engine /info', function () {
  let engine: DockerClient;
  before(function () {
    engine = new DockerClient({ host: needDocker(this) });
  });

  it('offers gVisor exactly when the engine has runsc, and Kata only when a kata runtime is registered', async () => {
    const info = await engine.info();
    assert.ok(info.runtimes.includes('runc'), `runtimes: ${info.runtimes.join(', ')}`);
    const levels = containerLevels(info);
    const by = Object.fromEntries(levels.map((l) => [l.level, l]));
    assert.strictEqual(entry(by, 'container').available, true);
    assert.strictEqual(entry(by, 'gvisor').available, dockerRuntimes().includes('runsc'));
    if (entry(by, 'gvisor').available) assert.strictEqual(entry(by, 'gvisor').runtime, 'runsc');
    // Kata is not installable here: the engine has no kata runtime, so it is not offered — and
    // never faked. Where an engine does have one, it is offered with that runtime's name.
    const kata = kataRuntime(info);
    assert.strictEqual(entry(by, 'kata').available, kata !== undefined);
    if (!kata) assert.match(entry(by, 'kata').detail, /not installed|not registered/);
    else assert.strictEqual(entry(by, 'kata').runtime, kata);
  });

  it('an unreachable engine makes every container level unavailable, with the engine error', async () => {
    const dead = new DockerClient({ host: 'unix:///tmp/podvisor-no-such-engine.sock' });
    const err = await dead.info().then(
      () => undefined,
      (e: Error) => e.message,
    );
    assert.match(
      err ?? '',
      /Failed to connect to the container engine at unix:\/\/\/tmp\/podvisor-no-such-engine.sock \(ENOENT\)\. Is Docker running\?/,
    );
    assert.ok(containerLevels(undefined, err).every((l) => !l.available && l.detail.includes('ENOENT')));
  });
});
