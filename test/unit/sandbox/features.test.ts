/**
 * Features without an engine: references (local, OCI, tarball; legacy forms refused), metadata
 * checks, option resolution (the spec's env names, enum checked), the dependency algorithm of
 * docs/specs/feature-dependencies.md (dependsOn recursive, installsAfter only within the set,
 * overrideFeatureInstallOrder as round priority, the round stable sort, cycles named), and how
 * features fold into the spec.
 */
import * as assert from 'assert';
import { parseFeatureRef } from '../../../src/sandbox/features/ref';
import { optionEnvName, parseFeatureMeta, resolveOptions } from '../../../src/sandbox/features/metadata';
import { buildGraph, installOrder } from '../../../src/sandbox/features/order';
import type { FetchedFeature } from '../../../src/sandbox/features/fetch';
import { applyFeatures } from '../../../src/sandbox/features';
import { grantPrivileges } from '../../../src/sandbox/privileges';
import { imageSpec } from '../../../src/sandbox/imageSource';
import type { FeatureRef, FeatureSet } from '../../../src/sandbox/types';

const CFG = '/ws/.devcontainer';

/** A fake registry of feature metadata by id (what fetch would read), for the ordering tests. */
function world(metas: Record<string, Record<string, unknown>>) {
  return async (ref: FeatureRef): Promise<FetchedFeature> => {
    const parsed = parseFeatureRef(ref.id, CFG);
    const key = parsed.resource;
    const m = metas[key];
    if (!m) throw new Error(`no feature ${key}`);
    return {
      ref,
      parsed,
      dir: `/cache/${key}`,
      meta: parseFeatureMeta({ version: '1.0.0', name: key, ...m }, key),
      // Tags are different contents (as published versions are); the same tag is the same digest.
      contentId: `sha256:${ref.id.toLowerCase()}`,
    };
  };
}
const set = (
  ids: Array<string | [string, Record<string, string | boolean>]>,
  overrideOrder: string[] = [],
): FeatureSet => ({
  configDir: CFG,
  refs: ids.map((x) => (typeof x === 'string' ? { id: x, options: {} } : { id: x[0], options: x[1] })),
  overrideOrder,
});
const order = async (s: FeatureSet, metas: Record<string, Record<string, unknown>>) =>
  installOrder(await buildGraph(s, world(metas)), s).map((n) => n.feature.ref.id);

describe('sandbox: features', () => {
  it('references: local under .devcontainer, OCI with tag or digest, tarball; legacy forms refused with what to write', () => {
    assert.deepStrictEqual(parseFeatureRef('./hello', CFG), {
      kind: 'local',
      dir: `${CFG}/hello`,
      resource: './hello',
    });
    assert.deepStrictEqual(parseFeatureRef('127.0.0.1:5000/pv/Feat:1.2', CFG), {
      kind: 'oci',
      registry: '127.0.0.1:5000',
      repository: 'pv/feat',
      tag: '1.2',
      resource: '127.0.0.1:5000/pv/feat',
    });
    const d = `sha256:${'a'.repeat(64)}`;
    assert.strictEqual(parseFeatureRef(`ghcr.io/o/r/f@${d}`, CFG).kind, 'oci');
    assert.strictEqual(
      parseFeatureRef('https://example.invalid/devcontainer-feature-x.tgz', CFG).kind,
      'tarball',
    );
    assert.throws(
      () => parseFeatureRef('node', CFG),
      /legacy short id; name it by its registry, e.g. "ghcr.io\/devcontainers\/features\/node:1"/,
    );
    assert.throws(
      () => parseFeatureRef('owner/repo/go@1', CFG),
      /GitHub-release reference, which is deprecated/,
    );
    assert.throws(() => parseFeatureRef('../outside', CFG), /must be a folder inside/);
    assert.throws(() => parseFeatureRef('/abs/f', CFG), /may not be an absolute path/);
    assert.throws(() => parseFeatureRef('http://x.io/devcontainer-feature-a.tgz', CFG), /https only/);
  });

  it('metadata is checked field by field; options become the spec’s env names, defaults filled, enums enforced', () => {
    assert.throws(() => parseFeatureMeta({ version: '1' }, 'F'), /"id" must be a string \(it is required\)/);
    assert.throws(
      () => parseFeatureMeta({ id: 'x', capAdd: 'SYS_ADMIN' }, 'F'),
      /"capAdd" must be a list of strings/,
    );
    const meta = parseFeatureMeta(
      {
        id: 'x',
        options: {
          version: { type: 'string', enum: ['1', '2'], default: '2' },
          'install-tools': { type: 'boolean', default: true },
          '9lives': { type: 'string' },
        },
        postCreateCommand: ['echo', 'x'],
      },
      'F',
    );
    assert.strictEqual(optionEnvName('install-tools'), 'INSTALL_TOOLS');
    assert.strictEqual(optionEnvName('9lives'), '_LIVES');
    assert.deepStrictEqual(resolveOptions(meta, { extra: 'e' }, 'x'), {
      VERSION: '2',
      INSTALL_TOOLS: 'true',
      EXTRA: 'e',
    });
    assert.throws(
      () => resolveOptions(meta, { version: '3' }, 'x'),
      /option "version" must be one of 1, 2 \(got "3"\)/,
    );
    assert.deepStrictEqual(meta.lifecycle.postCreateCommand, [
      { origin: 'x', command: { argv: ['echo', 'x'] } },
    ]);
  });

  it('dependsOn: dependencies first, recursively, each distinct feature once; the round sort is by resource name', async () => {
    const metas = {
      'reg.io/ns/app': { id: 'app', dependsOn: { 'reg.io/ns/lib:1': {}, 'reg.io/ns/base:1': {} } },
      'reg.io/ns/lib': { id: 'lib', dependsOn: { 'reg.io/ns/base:1': {} } },
      'reg.io/ns/base': { id: 'base' },
      'reg.io/ns/zed': { id: 'zed' },
    };
    assert.deepStrictEqual(await order(set(['reg.io/ns/zed', 'reg.io/ns/app']), metas), [
      'reg.io/ns/base:1',
      'reg.io/ns/zed',
      'reg.io/ns/lib:1',
      'reg.io/ns/app',
    ]);
  });

  it('the same feature with other options is another feature (installed twice, most user options first)', async () => {
    const metas = { 'reg.io/ns/a': { id: 'a' } };
    assert.deepStrictEqual(
      await order(
        set([['reg.io/ns/a:1', { x: '1' }], ['reg.io/ns/a:1', { x: '1', y: '2' }], 'reg.io/ns/a:1']),
        metas,
      ),
      ['reg.io/ns/a:1', 'reg.io/ns/a:1', 'reg.io/ns/a:1'],
    );
    const nodes = installOrder(
      await buildGraph(
        set([
          ['reg.io/ns/a:1', { x: '1' }],
          ['reg.io/ns/a:1', { x: '1', y: '2' }],
          ['reg.io/ns/a:1', { x: '1' }],
        ]),
        world(metas),
      ),
      set([]),
    );
    assert.deepStrictEqual(
      nodes.map((n) => Object.keys(n.feature.ref.options).length),
      [2, 1],
      'equal features once; more options first',
    );
  });

  it('installsAfter orders only features already in the set; older tags before newer', async () => {
    const metas = {
      'reg.io/ns/a': { id: 'a', installsAfter: ['reg.io/ns/b', 'reg.io/ns/notinstalled'] },
      'reg.io/ns/b': { id: 'b' },
    };
    assert.deepStrictEqual(await order(set(['reg.io/ns/a', 'reg.io/ns/b']), metas), [
      'reg.io/ns/b',
      'reg.io/ns/a',
    ]);
    assert.deepStrictEqual(await order(set(['reg.io/ns/a']), metas), ['reg.io/ns/a'], 'not pulled in');
    assert.deepStrictEqual(
      await order(set(['reg.io/ns/b:latest', 'reg.io/ns/b:1.10', 'reg.io/ns/b:1.9']), metas),
      ['reg.io/ns/b:1.9', 'reg.io/ns/b:1.10', 'reg.io/ns/b:latest'],
    );
  });

  it('overrideFeatureInstallOrder pulls features forward once their dependencies are in, never before', async () => {
    const metas = {
      'reg.io/ns/a': { id: 'a' },
      'reg.io/ns/b': { id: 'b' },
      'reg.io/ns/c': { id: 'c', dependsOn: { 'reg.io/ns/a': {} } },
    };
    assert.deepStrictEqual(
      await order(
        set(['reg.io/ns/a', 'reg.io/ns/b', 'reg.io/ns/c'], ['reg.io/ns/c', 'reg.io/ns/b:1']),
        metas,
      ),
      ['reg.io/ns/b', 'reg.io/ns/a', 'reg.io/ns/c'],
    );
    await assert.rejects(
      order(set(['reg.io/ns/a'], ['reg.io/ns/zzz']), metas),
      /names "reg.io\/ns\/zzz", which is not among/,
    );
  });

  it('cycles are named (dependsOn and installsAfter)', async () => {
    await assert.rejects(
      order(set(['reg.io/ns/a']), {
        'reg.io/ns/a': { id: 'a', dependsOn: { 'reg.io/ns/b': {} } },
        'reg.io/ns/b': { id: 'b', dependsOn: { 'reg.io/ns/a': {} } },
      }),
      /depend on each other in a circle: reg.io\/ns\/a → reg.io\/ns\/b → reg.io\/ns\/a/,
    );
    await assert.rejects(
      order(set(['reg.io/ns/a', 'reg.io/ns/b']), {
        'reg.io/ns/a': { id: 'a', installsAfter: ['reg.io/ns/b'] },
        'reg.io/ns/b': { id: 'b', installsAfter: ['reg.io/ns/a'] },
      }),
      /cannot be ordered \(a dependency cycle\): reg.io\/ns\/a waits for reg.io\/ns\/b; reg.io\/ns\/b waits for reg.io\/ns\/a/,
    );
  });

  it('fold into the spec: hooks before the user’s, mounts with ${devcontainerId}, init, entrypoints, privileges as requests', async () => {
    const spec = {
      ...imageSpec('x:1', '/tmp'),
      devcontainerId: 'ID42',
      lifecycle: { postCreateCommand: [{ origin: 'devcontainer.json', command: { shell: 'user' } }] },
    };
    const metas = {
      'reg.io/ns/dind': {
        id: 'dind',
        privileged: true,
        init: true,
        entrypoint: '/usr/local/share/docker-init.sh',
        capAdd: ['SYS_PTRACE'],
        mounts: [{ source: 'dind-${devcontainerId}', target: '/var/lib/docker', type: 'volume' }],
        postCreateCommand: 'feature',
      },
    };
    const s = set(['reg.io/ns/dind:2']);
    const merged = applyFeatures(spec, installOrder(await buildGraph(s, world(metas)), s));
    assert.deepStrictEqual(merged.lifecycle.postCreateCommand, [
      { origin: 'reg.io/ns/dind:2', command: { shell: 'feature' } },
      { origin: 'devcontainer.json', command: { shell: 'user' } },
    ]);
    assert.deepStrictEqual(merged.mounts, [
      { type: 'volume', source: 'dind-ID42', target: '/var/lib/docker', readonly: false },
    ]);
    assert.strictEqual(merged.init, true);
    assert.deepStrictEqual(merged.containers[0]?.entrypoints, ['/usr/local/share/docker-init.sh']);
    assert.deepStrictEqual(merged.capAdd, ['SYS_PTRACE']);
    assert.throws(
      () => grantPrivileges(merged, []),
      /hardening refuses feature reg.io\/ns\/dind:2 asking for privileged mode .*add "reg.io\/ns\/dind:2" to the user setting podvisor.sandbox.allowPrivileges/,
    );
    assert.strictEqual(grantPrivileges(merged, ['reg.io/ns/dind:2']).privileged, true);
  });
});
