/**
 * Incremental re-validation: after any edit, `update` must give exactly what validating the new
 * text from scratch gives, while re-parsing only the documents the edit touched.
 */
import * as assert from 'assert';
import { ManifestService } from '../../../src/manifests/service';
import { splitDocuments } from '../../../src/manifests/documents';
import { SCHEMA_DIR } from './corpusLib';
import { at } from '../../harness/pick';

const DOC = (i: number) => `apiVersion: kubevirt.io/v1
kind: VirtualMachine
metadata:
  name: vm-${i}
spec:
  runStrategy: Always
  template:
    spec:
      domain:
        devices:
          disks:
          - name: root
            disk: {}
        resources:
          requests:
            memory: ${i % 6 === 0 ? '1Xi' : '1Gi'}
      volumes:
      - name: root
        containerDisk:
          image: quay.io/containerdisks/fedora:40
`;
const POD = (i: number) => `apiVersion: v1
kind: Pod
metadata:
  name: p-${i}
spec:
  runtimeClassName: rc-${i}
  containers:
  - name: c
    image: busybox
`;
const RC = (i: number) => `apiVersion: node.k8s.io/v1
kind: RuntimeClass
metadata:
  name: rc-${i}
handler: runsc
`;

function file(n: number): string {
  const kinds = [DOC, POD, RC] as const;
  return Array.from({ length: n }, (_, i) => '---\n' + at(kinds, i % kinds.length)(i)).join('');
}

/** Deterministic PRNG (mulberry32). */
function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('incremental update', () => {
  const svc = new ManifestService({ schemaDir: SCHEMA_DIR });
  const fresh = new ManifestService({ store: svc.store });

  it('re-parses only the document an edit touched', () => {
    const text = file(30);
    svc.open('f', text);
    const at = text.indexOf('memory: 1Gi', text.indexOf('name: vm-15'));
    assert.ok(at > text.indexOf('name: vm-15') && text.indexOf('name: vm-15') > 0);
    const edited = text.slice(0, at) + 'memory: 2Xi' + text.slice(at + 11);
    const d = svc.update('f', edited);
    assert.deepStrictEqual(svc.lastStats, { documents: 30, reparsed: 1, reused: 29 });
    const q = d.filter((x) => x.code === 'schema.quantity');
    assert.ok(
      q.some((x) => edited.slice(x.start, x.end) === '2Xi'),
      'the new error is reported at the edited value',
    );
    assert.deepStrictEqual(d, fresh.open('g', edited));
  });

  it('shifts the positions of later documents when an edit changes the length', () => {
    const text = file(9);
    svc.open('f', text);
    const edited = text.replace('name: vm-0\n', 'name: vm-0-with-a-longer-name\n');
    const d = svc.update('f', edited);
    assert.strictEqual(svc.lastStats.reparsed, 1);
    const want = fresh.open('g', edited);
    assert.deepStrictEqual(d, want);
    for (const x of d.filter((y) => y.code === 'schema.quantity'))
      assert.strictEqual(edited.slice(x.start, x.end), '1Xi');
  });

  it('handles a new `---` splitting a document, and a removed one merging two', () => {
    const text = file(6);
    svc.open('f', text);
    const cut = text.indexOf('spec:', text.indexOf('name: vm-3'));
    const split = text.slice(0, cut) + '---\n' + text.slice(cut);
    assert.deepStrictEqual(svc.update('f', split), fresh.open('g', split));
    assert.strictEqual(svc.documents('f').length, 7);
    assert.deepStrictEqual(svc.update('f', text), fresh.open('g', text));
    assert.strictEqual(svc.documents('f').length, 6);
  });

  it('re-checks RuntimeClass references across documents on every update', () => {
    const text = file(6);
    svc.open('f', text);
    const unknown = (d: { code: string }[]) => d.filter((x) => x.code === 'runtime.unknown-class').length;
    assert.strictEqual(
      unknown(svc.diagnostics('f')),
      2,
      'rc-1 and rc-4 are not defined (only rc-2 and rc-5)',
    );
    const withRc4 = text + '---\n' + RC(4);
    assert.strictEqual(unknown(svc.update('f', withRc4)), 1);
    assert.strictEqual(svc.lastStats.reparsed, 1);
  });

  it('gives the same result as a fresh validation after 400 random edits', function () {
    this.timeout(60_000);
    const r = rng(42);
    let text = file(12);
    svc.open('f', text);
    const pieces = ['---\n', '\n', ' ', 'x', ': ', '- ', 'memory: 1Gi\n', '  name: a\n', '{', '"', '#', '\t'];
    for (let k = 0; k < 400; k++) {
      const at = Math.floor(r() * (text.length + 1));
      const del = r() < 0.5 ? Math.floor(r() * 12) : 0;
      const ins = r() < 0.7 ? pieces[Math.floor(r() * pieces.length)] : '';
      text = text.slice(0, at) + ins + text.slice(Math.min(text.length, at + del));
      const got = svc.update('f', text);
      const want = fresh.open('g', text);
      assert.deepStrictEqual(got, want, `edit ${k} at ${at}`);
      assert.deepStrictEqual(
        svc.documents('f').map((p) => [p.slice.index, p.slice.start, p.slice.end]),
        splitDocuments(text).map((s) => [s.index, s.start, s.end]),
      );
    }
  });
});
