import * as assert from 'assert';
import { parseDocument, stringify, isMap, isSeq, type Node } from 'yaml';
import { cursorContext, pathAtCursor } from '../../../src/manifests/yamlPath';
import { VM } from './completeLib';

function ctxAt(marked: string) {
  const offset = marked.indexOf('@|@');
  return cursorContext(marked.replace('@|@', ''), offset);
}

/** Every key of a parsed document with its path, to compare the line-based paths against. */
function keyPaths(text: string): { offset: number; path: (string | number)[] }[] {
  const out: { offset: number; path: (string | number)[] }[] = [];
  const walk = (n: Node | null, path: (string | number)[]): void => {
    if (isMap(n))
      for (const p of n.items) {
        const k = p.key as Node & { value: unknown };
        out.push({ offset: k.range![0], path: [...path, String(k.value)] });
        walk(p.value as Node | null, [...path, String(k.value)]);
      }
    else if (isSeq(n)) n.items.forEach((it, i) => walk(it as Node, [...path, i]));
  };
  walk(parseDocument(text).contents, []);
  return out;
}

describe('cursor path from indentation (yamlPath)', () => {
  it('reads the first line of a text that starts with a line break (it once looped for ever there)', () => {
    // Found by the fast-YAML differential fuzz: completion at offset 0 hung the engine.
    assert.deepStrictEqual(ctxAt('@|@\nkind: Pod\n').kind, 'key');
    assert.strictEqual(pathAtCursor('\nkind: Pod\n', 0), undefined);
  });

  it('agrees with the parse tree on every key of a real manifest, both sequence styles', () => {
    const obj = parseDocument(VM).toJS() as unknown;
    const indented = stringify(obj, { indentSeq: true });
    const compact = stringify(obj, { indentSeq: false });
    assert.notEqual(indented, compact);
    for (const text of [VM, indented, compact]) {
      const keys = keyPaths(text);
      assert.ok(keys.length > 30);
      for (const k of keys) {
        const h = pathAtCursor(text, k.offset + 1);
        assert.deepEqual(h?.path, k.path, `key at ${k.offset}: ${text.slice(k.offset, k.offset + 20)}`);
      }
    }
  });

  it('finds the mapping of an empty line from its indentation', () => {
    const c = ctxAt(VM.replace('          interfaces:', '          @|@\n          interfaces:'));
    assert.equal(c.kind, 'key');
    if (c.kind !== 'key') return;
    assert.deepEqual(c.path, ['spec', 'template', 'spec', 'domain', 'devices']);
    assert.ok(c.siblings.has('disks') && c.siblings.has('interfaces'));
  });

  it('knows a new sequence item and its index', () => {
    const c = ctxAt(VM.replace('          interfaces:', '          - @|@\n          interfaces:'));
    assert.equal(c.kind, 'key');
    if (c.kind !== 'key') return;
    assert.deepEqual(c.path, ['spec', 'template', 'spec', 'domain', 'devices', 'disks', 2]);
    assert.ok(c.inNewItem);
  });

  it('knows a value being typed after `key:`', () => {
    const c = ctxAt(
      VM.replace('bus: virtio\n          - name: cloudinit', 'bus: vi@|@rt\n          - name: cloudinit'),
    );
    assert.equal(c.kind, 'value');
    if (c.kind !== 'value') return;
    assert.deepEqual(c.path, ['spec', 'template', 'spec', 'domain', 'devices', 'disks', 0, 'disk', 'bus']);
    assert.equal(c.prefix, 'vi');
  });

  it('stops at the document marker and ignores block scalar contents', () => {
    assert.deepEqual(ctxAt(`${VM}---\nspec:\n  @|@`), {
      kind: 'key',
      path: ['spec'],
      prefix: '',
      replaceStart: VM.length + 12,
      keyColumn: 2,
      siblings: new Set(),
      inNewItem: false,
    });
    assert.equal(ctxAt(VM.replace('password: x', 'pass@|@')).kind, 'none');
    assert.equal(
      ctxAt(VM.replace('password: x', 'password: x\n            users:\n              - name: @|@')).kind,
      'none',
    );
  });
});
