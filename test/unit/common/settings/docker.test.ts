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
});
