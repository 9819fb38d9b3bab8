import * as assert from 'assert';
import { readDockerSettings } from '../../../../src/common/settings/docker';

describe('podvisor.docker.* settings', () => {
  it('defaults, and clamps or rejects bad values', () => {
    const d = readDockerSettings(() => undefined);
    assert.deepStrictEqual(d, {
      host: '',
      context: '',
      groupBy: 'composeProject',
      sortBy: 'name',
      showDanglingImages: false,
      logsTail: 500,
      safetyPollSeconds: 60,
      endpoints: [],
      composeCommand: 'auto',
      dockerPath: '',
    });
    const v: Record<string, unknown> = {
      'podvisor.docker.containers.groupBy': 'runtime',
      'podvisor.docker.containers.sortBy': 'bogus',
      'podvisor.docker.logs.tail': -50,
      'podvisor.docker.safetyPollSeconds': 1e9,
      'podvisor.docker.images.showDangling': 'yes',
      'podvisor.docker.context': ' remote ',
    };
    const s = readDockerSettings((k) => v[k]);
    assert.strictEqual(s.groupBy, 'runtime');
    assert.strictEqual(s.sortBy, 'name');
    assert.strictEqual(s.logsTail, -1);
    assert.strictEqual(s.safetyPollSeconds, 3600);
    assert.strictEqual(s.showDanglingImages, false);
    assert.strictEqual(s.context, 'remote');
  });

  it('podvisor.docker.endpoints: kept when they are engine addresses, deduplicated, named by host by default', function () {
    const s = readDockerSettings((k) =>
      k === 'podvisor.docker.endpoints'
        ? [
            { name: 'podman', host: 'unix:///run/podman/podman.sock' },
            'ssh://dev@127.0.0.1:2222',
            { host: 'tcp://127.0.0.1:2376', tlsDir: ' /certs ' },
            { host: 'unix:///run/podman/podman.sock' },
            { host: 'not an address' },
            42,
          ]
        : k === 'podvisor.compose.command'
          ? 'docker-compose'
          : undefined,
    );
    assert.deepStrictEqual(s.endpoints, [
      { name: 'podman', host: 'unix:///run/podman/podman.sock' },
      { name: 'ssh://dev@127.0.0.1:2222', host: 'ssh://dev@127.0.0.1:2222' },
      { name: 'tcp://127.0.0.1:2376', host: 'tcp://127.0.0.1:2376', tlsDir: '/certs' },
    ]);
    assert.strictEqual(s.composeCommand, 'docker-compose');
  });
});
