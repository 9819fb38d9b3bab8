import * as assert from 'assert';
import { TimestampedLines, normalizeTimestamp } from '../../../../src/backends/kube/podLogs';

describe('pod log lines (timestamps stripped, repeats after a reconnect skipped)', function () {
  it('normalizes RFC 3339 timestamps to a fixed width so they compare as strings', function () {
    assert.strictEqual(normalizeTimestamp('2026-12-03T16:30:01.12Z'), '2026-12-03T16:30:01.120000000Z');
    assert.strictEqual(normalizeTimestamp('2026-12-03T16:30:01Z'), '2026-12-03T16:30:01.000000000Z');
    assert.ok(normalizeTimestamp('2026-12-03T16:30:01.1Z') > normalizeTimestamp('2026-12-03T16:30:01.09Z'));
    assert.strictEqual(normalizeTimestamp('not a time'), '');
  });

  it('strips the timestamp, keeps a partial line for the next chunk, and skips what was shown', function () {
    const l = new TimestampedLines();
    assert.strictEqual(l.push('2026-12-03T16:30:01.1Z a\n2026-12-03T16:30:01.2Z b'), 'a\n');
    assert.strictEqual(l.push('c\n'), 'bc\n');
    // A reconnect from the whole second replays a and bc: only newer lines come through.
    const again = new TimestampedLines(l.last);
    assert.strictEqual(
      again.push('2026-12-03T16:30:01.1Z a\n2026-12-03T16:30:01.2Z bc\n2026-12-03T16:30:01.3Z d\n'),
      'd\n',
    );
    assert.strictEqual(again.push('plain line\n'), 'plain line\n');
  });
});
