import * as assert from 'assert';
import { engine, VM } from './completeLib';

function hoverAt(text: string, needle: string, delta = 1) {
  const svc = engine();
  svc.open('file:///h.yaml', text);
  const i = text.indexOf(needle);
  assert.ok(i >= 0, needle);
  return svc.hover('file:///h.yaml', i + delta);
}

describe('manifest hover', () => {
  it('shows description, type and allowed values of a key', () => {
    const h = hoverAt(VM, 'runStrategy')!;
    assert.ok(h, 'a hover');
    assert.match(h.markdown, /\*\*runStrategy\*\*: `string`/);
    assert.match(
      h.markdown,
      /Allowed values: `Always`, `RerunOnFailure`, `Manual`, `Halted`, `Once`, `WaitAsReceiver`/,
    );
    assert.match(h.markdown, /_spec\.runStrategy_/);
    assert.equal(VM.slice(h.start, h.end), 'runStrategy', 'the range is the key');
  });

  it('works deep in lists, with the schema description', () => {
    const h = hoverAt(VM, 'bus: virtio')!;
    assert.ok(h.markdown.length > 40, h.markdown);
    assert.match(h.markdown, /_spec\.template\.spec\.domain\.devices\.disks\[0\]\.disk\.bus_/);
  });

  it('says whether a hovered enum value is allowed', () => {
    const ok = hoverAt(VM, 'Always', 2)!;
    assert.match(ok.markdown, /`Always` is one of the allowed values/);
    assert.equal(VM.slice(ok.start, ok.end), 'Always');
    const bad = hoverAt(VM.replace('runStrategy: Always', 'runStrategy: Sometimes'), 'Sometimes', 2)!;
    assert.match(bad.markdown, /`Sometimes` is not an allowed value/);
  });

  it("describes quantities and maps in the user's terms", () => {
    const h = hoverAt(VM, 'memory: 1Gi')!;
    assert.match(h.markdown, /quantity/);
  });

  it('explains a removed apiVersion', () => {
    const h = hoverAt(VM.replace('kubevirt.io/v1', 'kubevirt.io/v1alpha3'), 'apiVersion')!;
    assert.match(h.markdown, /no longer served: use `kubevirt\.io\/v1`/);
  });

  it('has nothing to say for unknown kinds or inside user data', () => {
    assert.equal(hoverAt('apiVersion: example.com/v1\nkind: Widget\nspec:\n  size: 1\n', 'size'), undefined);
    assert.equal(hoverAt(VM, 'password'), undefined);
  });
});
