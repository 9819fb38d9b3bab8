import * as assert from 'assert';
import { isDuplicate, kubernetesGlobs, matchesAny, overlapPolicy } from '../../../src/language/yamlOverlap';

describe("sharing YAML files with Red Hat's YAML extension", () => {
  const base = { present: true, validate: true, crdStore: true, kubernetesSchemaApplies: false };

  it('keeps everything when the extension is absent or not validating', () => {
    for (const s of [
      { ...base, present: false },
      { ...base, validate: false },
    ]) {
      const p = overlapPolicy(s);
      assert.equal(isDuplicate(p, 'yaml.syntax', 'kubevirt'), false);
      assert.equal(isDuplicate(p, 'schema.unknown-key', 'pod'), false);
    }
  });

  it('leaves YAML syntax errors to it, and schema checks only where it has a schema', () => {
    const p = overlapPolicy(base);
    assert.equal(isDuplicate(p, 'yaml.syntax', 'pod'), true);
    assert.equal(isDuplicate(p, 'yaml.tab-indentation', 'pod'), true);
    assert.equal(
      isDuplicate(p, 'schema.unknown-key', 'pod'),
      false,
      'no kubernetes schema association for this file',
    );
    const k = overlapPolicy({ ...base, kubernetesSchemaApplies: true });
    assert.equal(isDuplicate(k, 'schema.unknown-key', 'pod'), true);
    assert.equal(isDuplicate(k, 'schema.enum', 'kubevirt'), true, 'CRD store covers KubeVirt');
    const noCrd = overlapPolicy({ ...base, kubernetesSchemaApplies: true, crdStore: false });
    assert.equal(isDuplicate(noCrd, 'schema.enum', 'kubevirt'), false);
    assert.equal(isDuplicate(noCrd, 'schema.required', 'runtimeclass'), true);
  });

  it('always keeps the rules a schema cannot express', () => {
    const k = overlapPolicy({ ...base, kubernetesSchemaApplies: true });
    for (const code of [
      'kubevirt.running-deprecated',
      'kubevirt.disk-without-volume',
      'api.removed-version',
      'runtime.unknown-class',
      'template.placeholders',
      'cloudinit.invalid-yaml',
    ]) {
      assert.equal(isDuplicate(k, code, 'kubevirt'), false, code);
    }
  });

  it('reads the kubernetes association from yaml.schemas and matches its globs', () => {
    const globs = kubernetesGlobs({
      kubernetes: ['/*.yaml', 'k8s/**/*.yml'],
      'https://json.schemastore.org/github-workflow': '.github/workflows/*',
    });
    assert.deepEqual(globs, ['/*.yaml', 'k8s/**/*.yml']);
    assert.equal(matchesAny('vm.yaml', globs), true);
    assert.equal(matchesAny('deploy/vm.yaml', globs), true, "`/*.yaml` in Red Hat's terms is any yaml file");
    assert.equal(matchesAny('k8s/a/b/vm.yml', globs), true);
    assert.equal(matchesAny('k8s/a/vm.json', globs), false);
    assert.deepEqual(kubernetesGlobs(undefined), []);
  });
});
