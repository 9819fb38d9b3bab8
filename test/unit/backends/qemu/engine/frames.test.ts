import * as assert from 'assert';
import { encodeFrame, FrameReader, FrameType } from '../../../../../src/backends/qemu/engine/frames';
import { at } from '../../../../harness/pick';

describe('engine channel: frames', () => {
  it('round-trips frames split at every byte boundary', () => {
    const stream = Buffer.concat([
      encodeFrame(7, FrameType.OPEN, 'docker'),
      encodeFrame(7, FrameType.DATA, Buffer.from([0, 1, 2, 255])),
      encodeFrame(7, FrameType.EOF),
      encodeFrame(0, FrameType.HELLO, 'podvisor-engine-agent 1'),
    ]);
    for (let cut = 0; cut <= stream.length; cut++) {
      const r = new FrameReader();
      const frames = [...r.push(stream.subarray(0, cut)), ...r.push(stream.subarray(cut))];
      assert.strictEqual(frames.length, 4, `cut at ${cut}`);
      assert.deepStrictEqual(
        frames.map((f) => [f.channel, f.type, f.payload.toString('latin1')]),
        [
          [7, FrameType.OPEN, 'docker'],
          [7, FrameType.DATA, '\x00\x01\x02\xff'],
          [7, FrameType.EOF, ''],
          [0, FrameType.HELLO, 'podvisor-engine-agent 1'],
        ],
      );
    }
  });

  it('writes the header the guest agent unpacks with "NCN" (big-endian u32, u8, u32)', () => {
    const f = encodeFrame(0x01020304, FrameType.CLOSE, 'x');
    assert.deepStrictEqual([...f], [1, 2, 3, 4, 4, 0, 0, 0, 1, 0x78]);
  });

  it('rejects a stream that is out of step instead of reading garbage as frames', () => {
    const r = new FrameReader();
    const bad = Buffer.alloc(9);
    bad.writeUInt8(99, 4);
    assert.throws(() => r.push(bad), /out of step/);
    const huge = encodeFrame(1, FrameType.DATA).subarray(0, 9);
    huge.writeUInt32BE(64 * 1024 * 1024, 5);
    assert.throws(() => new FrameReader().push(huge), /out of step/);
  });

  it('keeps frames apart by channel', () => {
    const r = new FrameReader();
    const frames = r.push(
      Buffer.concat([encodeFrame(1, FrameType.DATA, 'a'), encodeFrame(2, FrameType.DATA, 'b')]),
    );
    assert.strictEqual(at(frames, 0).channel, 1);
    assert.strictEqual(at(frames, 1).payload.toString(), 'b');
  });
});
