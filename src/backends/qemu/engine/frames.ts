/**
 * The frame format of the engine channel (one virtio-serial port carrying many connections),
 * shared with the guest agent (guest/pv-agent.pl): u32 channel | u8 type | u32 length | payload,
 * big-endian. Pure functions, unit-tested without a VM.
 */

export const FrameType = {
  OPEN: 1,
  DATA: 2,
  EOF: 3,
  CLOSE: 4,
  RESET: 5,
  HELLO: 6,
  TIME: 7,
} as const;
export type FrameType = (typeof FrameType)[keyof typeof FrameType];

export interface Frame {
  readonly channel: number;
  readonly type: FrameType;
  readonly payload: Buffer;
}

export const HEADER = 9;
/** Largest payload we send in one frame (the agent reads 64 KiB at a time too). */
export const MAX_PAYLOAD = 64 * 1024;
/** Largest payload we accept: anything bigger means the stream is out of step. */
const MAX_ACCEPTED = 16 * 1024 * 1024;

export function encodeFrame(channel: number, type: FrameType, payload: Buffer | string = ''): Buffer {
  const p = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload;
  const h = Buffer.alloc(HEADER);
  h.writeUInt32BE(channel >>> 0, 0);
  h.writeUInt8(type, 4);
  h.writeUInt32BE(p.length, 5);
  return Buffer.concat([h, p]);
}

const KNOWN = new Set<number>(Object.values(FrameType));

/** Splits a byte stream into frames; keeps a partial frame until the rest arrives. */
export class FrameReader {
  private buf: Buffer = Buffer.alloc(0);

  /** Feeds bytes; returns the complete frames. Throws on a stream that is not frames. */
  push(chunk: Buffer): Frame[] {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    const out: Frame[] = [];
    while (this.buf.length >= HEADER) {
      const len = this.buf.readUInt32BE(5);
      const type = this.buf.readUInt8(4);
      if (!KNOWN.has(type) || len > MAX_ACCEPTED)
        throw new Error(`engine channel out of step (frame type ${type}, length ${len})`);
      if (this.buf.length < HEADER + len) break;
      out.push({
        channel: this.buf.readUInt32BE(0),
        type: type as FrameType,
        payload: Buffer.from(this.buf.subarray(HEADER, HEADER + len)),
      });
      this.buf = this.buf.subarray(HEADER + len);
    }
    return out;
  }

  reset(): void {
    this.buf = Buffer.alloc(0);
  }
}
