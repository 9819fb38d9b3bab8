import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { RUN_STRATEGIES } from '../../../src/manifests/kinds';
import { MANIFEST_SNIPPETS, snippetFile } from '../../../src/manifests/snippets';
import { applyEdits, completeAt, engine, ROOT, VM } from './completeLib';

const labels = (l: { items: { label: string }[] }): string[] => l.items.map((i) => i.label);

/** Inserts `@|@` at the start of the line that contains `anchor` (the line is replaced by `indent`). */
function at(text: string, anchor: string, replacement: string): string {
  const i = text.indexOf(anchor);
  assert.ok(i >= 0, `anchor ${anchor}`);
  return text.slice(0, i) + replacement + text.slice(i + anchor.length);
}

describe('manifest completion', () => {
  it('offers the keys of the mapping at the cursor, required first, with documentation', async () => {
    const svc = engine();
    const { list } = await completeAt(
      svc,
      at(VM, '          interfaces:', '          @|@\n          interfaces:'),
    );
    const l = labels(list);
    // devices: disks and interfaces are present already; other device keys are offered.
    assert.ok(l.includes('rng') && l.includes('autoattachGraphicsDevice'), l.join(','));
    assert.ok(!l.includes('disks') && !l.includes('interfaces'), 'present keys are not offered again');
    const rng = list.items.find((i) => i.label === 'rng')!;
    assert.ok(rng.documentation && rng.documentation.length > 20, 'documentation from the schema');
    assert.equal(rng.insertText, 'rng: {}$0', 'an object with no fields is a marker');
  });

  it('puts required keys first and gives object/array keys a structure to fill', async () => {
    const svc = engine();
    const doc =
      'apiVersion: kubevirt.io/v1\nkind: VirtualMachineInstance\nmetadata:\n  name: x\nspec:\n  @|@\n';
    const { list } = await completeAt(svc, doc);
    const domain = list.items.find((i) => i.label === 'domain')!;
    assert.ok(domain, labels(list).join(','));
    assert.match(domain.sortText, /^0/, 'domain is required in a VMI spec');
    assert.ok(domain.detail?.startsWith('required'), domain.detail);
    assert.equal(domain.insertText, 'domain:\n  $0');
    const volumes = list.items.find((i) => i.label === 'volumes')!;
    assert.match(volumes.sortText, /^1/);
    assert.equal(volumes.insertText, 'volumes:\n- $0');
    const sorted = [...list.items].sort((a, b) => a.sortText.localeCompare(b.sortText));
    assert.equal(sorted[0]!.label, 'domain');
  });

  it('offers runStrategy with its values, and the values after `runStrategy: `', async () => {
    const svc = engine();
    const doc =
      'apiVersion: kubevirt.io/v1\nkind: VirtualMachine\nmetadata:\n  name: x\nspec:\n  ru@|@\n  template: {}\n';
    const { list } = await completeAt(svc, doc);
    const rs = list.items.find((i) => i.label === 'runStrategy')!;
    assert.ok(rs, labels(list).join(','));
    for (const v of RUN_STRATEGIES) assert.ok(rs.insertText.includes(v), `${v} in ${rs.insertText}`);
    const { list: values, offset } = await completeAt(
      svc,
      'apiVersion: kubevirt.io/v1\nkind: VirtualMachine\nmetadata:\n  name: x\nspec:\n  runStrategy: Hal@|@\n',
    );
    assert.deepEqual(labels(values).sort(), [...RUN_STRATEGIES].sort());
    const halted = values.items.find((i) => i.label === 'Halted')!;
    assert.equal(halted.start, offset - 3, 'replaces the typed prefix');
  });

  it('offers enum values from the schema and booleans', async () => {
    const svc = engine();
    const { list: ev } = await completeAt(
      svc,
      VM.replace('  runStrategy: Always', '  runStrategy: Always\n  template2: {}').replace(
        '    spec:\n      domain:',
        '    spec:\n      evictionStrategy: @|@\n      domain:',
      ),
    );
    assert.ok(labels(ev).includes('LiveMigrate'), labels(ev).join(','));
    const { list: bools } = await completeAt(
      svc,
      at(VM, '          interfaces:', '          autoattachPodInterface: @|@\n          interfaces:'),
    );
    assert.deepEqual(labels(bools), ['true', 'false']);
  });

  it('offers the names a disk or an interface can refer to, and the reverse', async () => {
    const svc = engine();
    const withUnused = at(
      VM,
      '      - name: cloudinit\n        cloudInitNoCloud:',
      '      - name: cloudinit\n        cloudInitNoCloud:',
    ).replace(
      '      volumes:\n',
      '      volumes:\n      - name: scratch\n        emptyDisk:\n          capacity: 1Gi\n',
    );
    const disk = at(
      withUnused,
      '          - name: cloudinit\n            disk:',
      '          - name: cloudinit\n            disk:\n              bus: virtio\n          - name: @|@\n            disk:',
    );
    const { list } = await completeAt(svc, disk);
    assert.deepEqual(
      labels(list).filter((l) => ['scratch', 'rootdisk', 'cloudinit'].includes(l)),
      ['scratch'],
      'only volumes no disk uses yet',
    );
    const iface = at(VM, '            masquerade: {}', '            masquerade: {}\n          - name: @|@');
    const net = iface.replace(
      '      - name: default\n        pod: {}',
      '      - name: default\n        pod: {}\n      - name: storage\n        multus:\n          networkName: storage-net',
    );
    const { list: nets } = await completeAt(svc, net);
    assert.deepEqual(
      labels(nets).filter((l) => ['default', 'storage'].includes(l)),
      ['storage'],
    );
    const vol = VM.replace(
      '      - name: cloudinit\n        cloudInitNoCloud:',
      '      - name: @|@\n        emptyDisk: {}\n      - name: cloudinit\n        cloudInitNoCloud:',
    ).replace(
      '          - name: cloudinit\n            disk:',
      '          - name: data\n            disk: {}\n          - name: cloudinit\n            disk:',
    );
    const { list: vols } = await completeAt(svc, vol);
    assert.ok(labels(vols).includes('data'), `a disk without a volume: ${labels(vols).join(',')}`);
  });

  it('offers local image names for containerDisk.image through the backend', async () => {
    let asked = 0;
    const svc = engine({
      listImageNames: async () => {
        asked++;
        return ['quay.io/containerdisks/fedora:41', 'busybox:latest', '<none>:<none>'];
      },
    });
    const { list } = await completeAt(
      svc,
      VM.replace('image: quay.io/containerdisks/fedora:latest', 'image: @|@'),
    );
    assert.equal(asked, 1);
    assert.ok(
      labels(list).includes('busybox:latest') && labels(list).includes('quay.io/containerdisks/fedora:41'),
      labels(list).join(','),
    );
    assert.ok(!labels(list).some((l) => l.includes('<none>')));
    const slow = engine({ listImageNames: () => new Promise(() => undefined) });
    const t0 = Date.now();
    await completeAt(slow, VM.replace('image: quay.io/containerdisks/fedora:latest', 'image: @|@'));
    assert.ok(Date.now() - t0 < 5000, 'a backend that never answers does not hang completion');
  });

  it('offers RuntimeClass names from the workspace, then known handlers', async () => {
    const svc = engine({ runtimeClassNames: () => ['gvisor-custom'] });
    const { list } = await completeAt(
      svc,
      'apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  runtimeClassName: @|@\n  containers:\n  - name: a\n    image: busybox\n',
    );
    const l = labels(list);
    assert.equal(l[0], 'gvisor-custom');
    assert.ok(l.includes('kata') && l.includes('runsc'), l.join(','));
  });

  it('completes apiVersion and kind values', async () => {
    const svc = engine();
    const { list } = await completeAt(svc, 'apiVersion: @|@\n');
    assert.ok(
      labels(list).includes('kubevirt.io/v1') && labels(list).includes('node.k8s.io/v1'),
      labels(list).join(','),
    );
    const { list: kinds } = await completeAt(svc, 'apiVersion: kubevirt.io/v1\nkind: @|@\n');
    assert.ok(
      labels(kinds).includes('VirtualMachine') && labels(kinds).includes('VirtualMachineInstance'),
      labels(kinds).join(','),
    );
  });

  it('keys inside a pod template of a workload come from the Pod schema', async () => {
    const svc = engine();
    const { list } = await completeAt(
      svc,
      'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d\nspec:\n  template:\n    spec:\n      @|@\n      containers: []\n',
    );
    assert.ok(
      labels(list).includes('runtimeClassName') && !labels(list).includes('containers'),
      labels(list).join(','),
    );
  });

  it('stays quiet inside block scalars, comments, and unknown kinds', async () => {
    const svc = engine();
    assert.equal(
      (await completeAt(svc, VM.replace('            password: x', '            pass@|@'))).list.items.length,
      0,
    );
    assert.equal(
      (await completeAt(svc, VM.replace('spec:\n', '# a comment @|@\nspec:\n'))).list.items.length,
      0,
    );
    assert.equal(
      (await completeAt(svc, 'apiVersion: example.com/v1\nkind: Widget\nspec:\n  @|@\n')).list.items.length,
      0,
    );
  });

  it('offers the starter snippets at the start of an empty document, and each one validates clean', async () => {
    const svc = engine();
    const { list } = await completeAt(svc, '@|@');
    const snippets = list.items.filter((i) => i.kind === 'snippet');
    assert.deepEqual(
      snippets.map((s) => s.label),
      MANIFEST_SNIPPETS.map((s) => s.label),
    );
    assert.ok(
      snippets.every((s) => s.sortText < list.items.filter((i) => i.kind !== 'snippet')[0]!.sortText),
      'snippets first',
    );
    const { list: second } = await completeAt(svc, `${VM}---\n@|@`);
    assert.ok(
      second.items.some((i) => i.kind === 'snippet'),
      'also in a new document of a multi-document file',
    );
    for (const s of MANIFEST_SNIPPETS) {
      // Expand the snippet the way the editor does with its defaults.
      const text = s.body
        .join('\n')
        .replace(/\$\{\d+\|([^,|]*)[^}]*\}/g, '$1')
        .replace(/\$\{\d+:([^}]*)\}/g, '$1')
        .replace(/\$\d+/g, '');
      const diags = svc.open(`file:///snippet-${s.prefix}.yaml`, applyEdits(text, []));
      const errors = diags.filter((d) => d.severity === 'error' || d.severity === 'warning');
      assert.deepEqual(
        errors.map((d) => `${d.code}: ${d.message}`),
        [],
        `${s.label} expands to a valid manifest`,
      );
      assert.ok(
        svc.documents(`file:///snippet-${s.prefix}.yaml`)[0]!.kindInfo,
        `${s.label} is a recognised kind`,
      );
    }
  });

  it('contributes the same snippets to the editor (snippets/yaml.code-snippets)', () => {
    const file = JSON.parse(
      fs.readFileSync(path.join(ROOT, 'snippets/yaml.code-snippets'), 'utf8'),
    ) as unknown;
    assert.deepEqual(
      file,
      snippetFile(),
      'regenerate snippets/yaml.code-snippets from src/manifests/snippets.ts',
    );
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
      contributes: { snippets: { language: string; path: string }[] };
    };
    assert.ok(
      pkg.contributes.snippets.some(
        (s) => s.language === 'yaml' && s.path === './snippets/yaml.code-snippets',
      ),
    );
  });
});
