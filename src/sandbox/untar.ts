/**
 * Unpacks a tar stream (an image's `docker export`) with the host's tar, through the runner.
 * When tar fails its own reason wins over the broken pipe that follows; when the stream fails
 * its error wins over tar's complaint about a truncated archive; the signal stops tar.
 */
import { pipeline } from 'stream/promises';
import type { Readable } from 'stream';
import type { Runner } from '../common/process';
import { isCancelled } from '../common/errors';

export async function untar(
  runner: Runner,
  stream: Readable,
  args: readonly string[],
  signal?: AbortSignal,
): Promise<void> {
  const tar = runner.start({ command: 'tar', args, stdin: 'pipe', stdout: 'ignore', stderr: 'pipe' }, signal);
  const stdin = tar.stdin;
  if (!stdin) throw new Error('tar has no stdin');
  let streamError: { e: unknown } | undefined;
  const fed = pipeline(stream, stdin).catch(() => {
    // The source failed (the engine went away): pipeline closes tar's stdin, so tar ends, and
    // this is the reason to give. Take the source's own error, not whichever one pipeline saw
    // first; a premature close is what pipeline puts on the source when tar went first (tar's
    // own failure, or a cancel), and then tar's reason is the one to give.
    const e = stream.errored;
    if (e && (e as { code?: unknown }).code !== 'ERR_STREAM_PREMATURE_CLOSE') streamError = { e };
  });
  try {
    await tar.done();
  } catch (e) {
    stream.destroy(); // nothing reads it any more
    await fed;
    // Cancelled: that is the answer, whatever the stream said when tar went away under it.
    if (signal?.aborted || isCancelled(e)) throw e;
    throw streamError ? streamError.e : e;
  }
  await fed;
  if (streamError) throw streamError.e;
}
