import * as assert from 'assert';
import { readSettings, sameSection } from '../../../src/common/settings';

describe('settings snapshot', () => {
  it('uses defaults for missing or ill-typed values', () => {
    const s = readSettings(
      (k) => (({ 'podvisor.log.level': 42, 'podvisor.docker.host': 7 }) as Record<string, unknown>)[k],
    );
    assert.strictEqual(s.logLevel, 'info');
    assert.strictEqual(s.docker.host, '');
    assert.strictEqual(s.manifests.kubernetesVersion, '1.35');
  });

  it('takes valid values and trims strings', () => {
    const s = readSettings(
      (k) =>
        (
          ({ 'podvisor.log.level': 'debug', 'podvisor.docker.host': '  unix:///x.sock ' }) as Record<
            string,
            unknown
          >
        )[k],
    );
    assert.strictEqual(s.logLevel, 'debug');
    assert.strictEqual(s.docker.host, 'unix:///x.sock');
  });

  it('is frozen and compares by section', () => {
    const a = readSettings(() => undefined);
    const b = readSettings(() => undefined);
    assert.ok(Object.isFrozen(a) && Object.isFrozen(a.docker));
    assert.ok(sameSection(a.docker, b.docker));
    assert.ok(
      !sameSection(
        a.docker,
        readSettings((k) => (k === 'podvisor.docker.host' ? 'tcp://h:1' : undefined)).docker,
      ),
    );
  });
});
