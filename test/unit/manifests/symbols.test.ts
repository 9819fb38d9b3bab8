import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { engine, ROOT } from './completeLib';
import type { ManifestSymbol } from '../../../src/manifests/symbols';

const outline = (s: ManifestSymbol): unknown => ({ name: s.name, children: s.children.map(outline) });

describe('manifest outline (document symbols)', () => {
  it("has one symbol per document and the spec's parts under it", () => {
    const svc = engine();
    const text = fs.readFileSync(path.join(ROOT, 'samples/manifests/vm-cloudinit.yaml'), 'utf8');
    svc.open('file:///s.yaml', text);
    const syms = svc.symbols('file:///s.yaml');
    assert.deepEqual(
      syms.map((s) => s.name),
      ['VirtualMachine fedora-dev', 'VirtualMachineInstance script-vmi'],
    );
    const vm = syms[0]!;
    assert.deepEqual(
      vm.children.map((c) => c.name),
      ['runStrategy', 'disks', 'interfaces', 'networks', 'volumes'],
    );
    const disks = vm.children.find((c) => c.name === 'disks')!;
    assert.deepEqual(
      disks.children.map((c) => c.name),
      ['containerdisk', 'cloudinitdisk'],
    );
    assert.equal(disks.children[0]!.detail, 'disk');
    const vols = vm.children.find((c) => c.name === 'volumes')!;
    assert.deepEqual(
      vols.children.map((c) => `${c.name}:${c.detail}`),
      ['containerdisk:containerDisk', 'cloudinitdisk:cloudInitNoCloud'],
    );
    // Ranges nest, and the selection is the name.
    for (const s of [vm, ...vm.children, ...disks.children]) {
      assert.ok(s.start <= s.selStart && s.selEnd <= s.end, `${s.name} selection inside range`);
    }
    assert.equal(text.slice(disks.children[1]!.selStart, disks.children[1]!.selEnd), 'cloudinitdisk');
    assert.ok(syms[1]!.start > vm.end, 'documents do not overlap');
  });

  it('outlines pods and RuntimeClasses, and names unknown kinds without children', () => {
    const svc = engine();
    const text =
      fs.readFileSync(path.join(ROOT, 'samples/manifests/sandboxed-pods.yaml'), 'utf8') +
      '---\napiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\n';
    svc.open('file:///p.yaml', text);
    assert.deepEqual(svc.symbols('file:///p.yaml').map(outline), [
      { name: 'RuntimeClass gvisor', children: [{ name: 'handler', children: [] }] },
      {
        name: 'Pod sandboxed',
        children: [
          { name: 'runtimeClassName', children: [] },
          { name: 'containers', children: [{ name: 'app', children: [] }] },
        ],
      },
      { name: 'Widget w', children: [] },
    ]);
  });

  it('survives a broken document', () => {
    const svc = engine();
    svc.open(
      'file:///b.yaml',
      'apiVersion: v1\nkind: Pod\nmetadata:\n  name: [x\nspec:\n  containers:\n  - name: a\n',
    );
    assert.doesNotThrow(() => svc.symbols('file:///b.yaml'));
  });
});
