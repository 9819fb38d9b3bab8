import * as assert from 'assert';
import { escapeMarkdown, markdownCode } from '../../../src/common/markdown';

describe('common/markdown', () => {
  it('escapes everything that could format, link, or inject an icon', () => {
    const evil = '**b** _i_ [x](command:rm) <img src=x> $(trash) `c` # h | t ~s~ & 1. 2+3-4!';
    const out = escapeMarkdown(evil);
    // Every special character is preceded by a backslash…
    for (const ch of '*_[]()<>$`#|~&.+-!') {
      for (let i = out.indexOf(ch); i >= 0; i = out.indexOf(ch, i + 1))
        assert.strictEqual(out[i - 1], '\\', `unescaped ${ch} at ${i} in ${out}`);
    }
    // …and removing the escapes gives the text back.
    assert.strictEqual(out.replace(/\\(.)/g, '$1'), evil);
    assert.strictEqual(escapeMarkdown('a*b'), 'a\\*b');
    assert.strictEqual(escapeMarkdown('ü 日本'), 'ü 日本');
  });

  it('keeps a tooltip line one line', () => {
    assert.strictEqual(escapeMarkdown('one\ntwo\r\nthree'), 'one two three');
  });

  it('makes code spans that backticks inside cannot close', () => {
    assert.strictEqual(markdownCode('/var/lib/vms'), '` /var/lib/vms `');
    assert.strictEqual(markdownCode('img`x`'), '`` img`x` ``');
    assert.strictEqual(markdownCode('a``b'), '``` a``b ```');
  });
});
