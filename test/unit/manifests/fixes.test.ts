import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { parseDocument } from 'yaml';
import type { ManifestService } from '../../../src/manifests/service';
import type { ManifestCodeAction } from '../../../src/manifests/fixes';
import { applyEdits, engine, ROOT, VM } from './completeLib';

const URI = 'file:///f.yaml';

/** Opens `text`, finds the one diagnostic with `code`, returns its fixes. */
function fixesFor(svc: ManifestService, text: string, code: string): ManifestCodeAction[] {
  const diags = svc.open(URI, text);
  const d = diags.find((x) => x.code === code);
  assert.ok(d, `${code} among ${diags.map((x) => x.code).join(', ')}`);
  return svc.codeActions(URI, d);
}

/** Applies a fix and re-validates: the diagnostic is gone, no new errors, and the YAML still parses. */
function applyAndCheck(svc: ManifestService, text: string, fix: ManifestCodeAction, code: string): string {
  const out = applyEdits(text, fix.edits);
  const after = svc.update(URI, out);
  assert.ok(!after.some((d) => d.code === code), `${code} fixed by "${fix.title}":\n${out}`);
  const before = new Set(
    svc
      .open('file:///before.yaml', text)
      .filter((d) => d.severity === 'error')
      .map((d) => d.code),
  );
  const fresh = after.filter((d) => d.severity === 'error' && !before.has(d.code));
  assert.deepEqual(
    fresh.map((d) => `${d.code} ${d.message}`),
    [],
    `no new errors after "${fix.title}":\n${out}`,
  );
  for (const doc of out.split(/^---$/m))
    assert.equal(parseDocument(doc).errors.length, 0, `valid YAML:\n${out}`);
  return out;
}

describe('manifest quick fixes', () => {
  it('running: true → runStrategy: Always, running: false → Halted', () => {
    const svc = engine();
    for (const [v, want] of [
      ['true', 'Always'],
      ['false', 'Halted'],
    ] as const) {
      const text = VM.replace('  runStrategy: Always', `  running: ${v}`);
      const [fix] = fixesFor(svc, text, 'kubevirt.running-deprecated');
      assert.ok(fix?.isPreferred);
      assert.equal(fix.title, `Replace \`running: ${v}\` with \`runStrategy: ${want}\``);
      const out = applyAndCheck(svc, text, fix, 'kubevirt.running-deprecated');
      assert.ok(out.includes(`\n  runStrategy: ${want}\n`), out);
    }
  });

  it('removes running when runStrategy is also set', () => {
    const svc = engine();
    const text = VM.replace('  runStrategy: Always', '  runStrategy: Always\n  running: true');
    const [fix] = fixesFor(svc, text, 'kubevirt.running-and-runStrategy');
    const out = applyAndCheck(svc, text, fix!, 'kubevirt.running-and-runStrategy');
    assert.equal(out, VM);
  });

  it('adds the missing volume for a disk, in the volumes list, with a choice of source', () => {
    const svc = engine();
    const text = VM.replace(
      '          - name: cloudinit\n            disk:',
      '          - name: data\n            disk:\n              bus: virtio\n          - name: cloudinit\n            disk:',
    );
    const fixes = fixesFor(svc, text, 'kubevirt.disk-without-volume');
    assert.deepEqual(
      fixes.map((f) => f.title),
      ['containerDisk', 'persistentVolumeClaim', 'dataVolume', 'emptyDisk', 'cloudInitNoCloud'].map(
        (s) => `Add a ${s} volume \`data\``,
      ),
    );
    for (const f of fixes) {
      const out = applyAndCheck(svc, text, f, 'kubevirt.disk-without-volume');
      const vols = parseDocument(out).getIn(['spec', 'template', 'spec', 'volumes']) as { items: unknown[] };
      assert.equal(vols.items.length, 3, 'appended to the existing list');
    }
  });

  it('creates the volumes list when there is none, and prefers cloud-init for a cloud-init disk', () => {
    const svc = engine();
    const text = VM.slice(0, VM.indexOf('      volumes:'));
    const fixes = fixesFor(svc, text, 'kubevirt.disk-without-volume');
    const out = applyEdits(text, fixes[0]!.edits);
    const after = svc.update(URI, out);
    assert.equal(
      after.filter((d) => d.code === 'kubevirt.disk-without-volume').length,
      1,
      `one of two disks fixed:\n${out}`,
    );
    assert.deepEqual(
      (
        parseDocument(out).toJS() as { spec: { template: { spec: { volumes: { name: string }[] } } } }
      ).spec.template.spec.volumes.map((v) => v.name),
      ['rootdisk'],
    );
    const d2 = after.find((d) => d.code === 'kubevirt.disk-without-volume')!;
    const f2 = svc.codeActions(URI, d2);
    assert.match(f2[0]!.title, /cloudInitNoCloud volume `cloudinit`/);
    const out2 = applyEdits(out, f2[0]!.edits);
    assert.ok(
      !svc.update(URI, out2).some((d) => d.code === 'kubevirt.disk-without-volume' || d.severity === 'error'),
      out2,
    );
  });

  it('adds the missing network for an interface and the missing disk for a volume', () => {
    const svc = engine();
    const text = VM.replace('      networks:\n      - name: default\n        pod: {}\n', '');
    const [net] = fixesFor(svc, text, 'kubevirt.interface-without-network');
    applyAndCheck(svc, text, net!, 'kubevirt.interface-without-network');
    const noDisk = VM.replace(
      '          - name: cloudinit\n            disk:\n              bus: virtio\n',
      '',
    );
    const [disk] = fixesFor(svc, noDisk, 'kubevirt.volume-without-disk');
    applyAndCheck(svc, noDisk, disk!, 'kubevirt.volume-without-disk');
  });

  it('upgrades a removed apiVersion', () => {
    const svc = engine();
    const text = VM.replace('kubevirt.io/v1', 'kubevirt.io/v1alpha3');
    const [fix] = fixesFor(svc, text, 'api.removed-version');
    assert.equal(fix!.title, 'Change apiVersion to `kubevirt.io/v1`');
    assert.equal(applyAndCheck(svc, text, fix!, 'api.removed-version'), VM);
    const rc =
      'apiVersion: node.k8s.io/v1beta1\nkind: RuntimeClass\nmetadata:\n  name: gvisor\nhandler: runsc\n';
    const [f2] = fixesFor(svc, rc, 'api.removed-version');
    assert.ok(applyAndCheck(svc, rc, f2!, 'api.removed-version').startsWith('apiVersion: node.k8s.io/v1\n'));
  });

  it('adds required fields, at the mapping that misses them', () => {
    const svc = engine();
    const rc = 'apiVersion: node.k8s.io/v1\nkind: RuntimeClass\nmetadata:\n  name: gvisor\n';
    const [fix] = fixesFor(svc, rc, 'schema.required');
    assert.equal(fix!.title, 'Add required field `handler`');
    const out = applyEdits(rc, fix!.edits);
    assert.ok(!svc.update(URI, out).some((d) => d.code === 'schema.required'), out);
    assert.match(out, /^handler: /m);
    const pod =
      'apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - image: busybox\n    command: [sh]\n';
    const [f2] = fixesFor(svc, pod, 'schema.required');
    const out2 = applyEdits(pod, f2!.edits);
    assert.match(out2, /\n {2}- image: busybox\n {4}command: \[sh\]\n {4}name: ""\n/, out2);
    assert.ok(!svc.update(URI, out2).some((d) => d.code === 'schema.required'), out2);
  });

  it('offers the suggested key for an unknown key and the allowed values for a bad enum', () => {
    const svc = engine();
    const text = VM.replace('  runStrategy: Always', '  runStrategy: always');
    const fixes = fixesFor(svc, text, 'schema.enum');
    assert.equal(fixes[0]!.title, 'Change to `Always`');
    assert.ok(fixes[0]!.isPreferred);
    applyAndCheck(svc, text, fixes[0]!, 'schema.enum');
    const typo = VM.replace('        resources:', '        resourcez:');
    const [rename] = fixesFor(svc, typo, 'schema.unknown-key');
    assert.equal(rename!.title, 'Rename to `resources`');
    assert.equal(applyEdits(typo, rename!.edits), VM);
  });

  it('fixes each mistake of samples/manifests/vm-mistakes.yaml', () => {
    const svc = engine();
    let text = fs.readFileSync(path.join(ROOT, 'samples/manifests/vm-mistakes.yaml'), 'utf8');
    for (const code of [
      'kubevirt.running-deprecated',
      'kubevirt.disk-without-volume',
      'api.removed-version',
    ]) {
      const [fix] = fixesFor(svc, text, code);
      text = applyEdits(text, fix!.edits);
    }
    const left = svc.update(URI, text).filter((d) => d.severity === 'error' || d.severity === 'warning');
    assert.deepEqual(
      left.map((d) => d.code),
      [],
      text,
    );
  });
});
