/**
 * Files of a running container through exec, for where the archive endpoints see the wrong
 * filesystem: a running gVisor sandbox keeps its root in its own overlay, so what the engine
 * reads from the host side misses what the sandbox wrote, and what it writes there the sandbox
 * never sees. Constant scripts only: the path is an argument (`"$1"`), never part of the script.
 */
import { PassThrough } from 'stream';
import type { DockerClient } from './client';
import { assertContainerRef } from './names';
import type { EntryType } from './tar';

export interface ExecResult {
  readonly stdout: Buffer;
  readonly stderr: string;
  readonly exitCode: number;
}

/** Runs `cmd` in the container (no TTY), feeding `stdin` when given; stdout kept as bytes. */
export async function execIn(
  client: DockerClient,
  id: string,
  cmd: string[],
  o: { stdin?: Buffer; signal?: AbortSignal } = {},
): Promise<ExecResult> {
  const c = client.api.getContainer(assertContainerRef(id));
  const exec = await c.exec({
    Cmd: cmd,
    AttachStdin: !!o.stdin,
    AttachStdout: true,
    AttachStderr: true,
    Tty: false,
  });
  const stream = await exec.start({ hijack: true, stdin: !!o.stdin });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  await new Promise<void>((resolve, reject) => {
    const so = new PassThrough();
    const se = new PassThrough();
    so.on('data', (d: Buffer) => out.push(d));
    se.on('data', (d: Buffer) => err.push(d));
    client.api.modem.demuxStream(stream, so, se);
    const onAbort = () => stream.destroy();
    o.signal?.addEventListener('abort', onAbort, { once: true });
    const done = () => {
      o.signal?.removeEventListener('abort', onAbort);
      resolve();
    };
    stream.on('end', done);
    stream.on('close', done);
    stream.on('error', reject);
    if (o.stdin) {
      // Half-close after the data: the hijacked connection stays open for the output.
      stream.write(o.stdin);
      (stream as unknown as { end: () => void }).end();
    }
  });
  const r = (await exec.inspect()) as { ExitCode?: number | null };
  return {
    stdout: Buffer.concat(out),
    stderr: Buffer.concat(err).toString('utf8').trim(),
    exitCode: typeof r.ExitCode === 'number' ? r.ExitCode : -1,
  };
}

/** `t size target` for "$1": t = d, f, l, o or - (missing). */
const STAT_SCRIPT = [
  'p=$1',
  'if [ -L "$p" ]; then printf "l 0 %s" "$(readlink "$p")"',
  'elif [ -d "$p" ]; then printf "d 0 "',
  'elif [ -f "$p" ]; then printf "f %s " "$(wc -c < "$p")"',
  'elif [ -e "$p" ]; then printf "o 0 "',
  'else printf "- 0 "; fi',
].join('\n');

/** One `t<TAB>name` line per entry of "$1" (hidden ones too). */
const LIST_SCRIPT = [
  'cd -- "$1" || exit 1',
  'for f in * .[!.]* ..?*; do',
  '  [ -e "$f" ] || [ -L "$f" ] || continue',
  '  if [ -L "$f" ]; then t=l; elif [ -d "$f" ]; then t=d; elif [ -f "$f" ]; then t=f; else t=o; fi',
  '  printf "%s\\t%s\\n" "$t" "$f"',
  'done',
].join('\n');

const TYPES: Record<string, EntryType> = { d: 'directory', f: 'file', l: 'symlink', o: 'other' };

export async function execStat(
  client: DockerClient,
  id: string,
  p: string,
  signal?: AbortSignal,
): Promise<{ type: EntryType; size: number; linkTarget: string } | undefined> {
  const r = await execIn(client, id, ['sh', '-c', STAT_SCRIPT, 'sh', p], { signal });
  if (r.exitCode !== 0) throw new Error(r.stderr || `exit code ${r.exitCode}`);
  const text = r.stdout.toString('utf8');
  const t = text[0];
  if (!t || t === '-') return undefined;
  const rest = text.slice(2);
  const sp = rest.indexOf(' ');
  const size = Number(sp >= 0 ? rest.slice(0, sp) : rest) || 0;
  return { type: TYPES[t] ?? 'other', size, linkTarget: t === 'l' && sp >= 0 ? rest.slice(sp + 1) : '' };
}

export async function execList(
  client: DockerClient,
  id: string,
  dir: string,
  signal?: AbortSignal,
): Promise<Array<{ name: string; type: EntryType }>> {
  const r = await execIn(client, id, ['sh', '-c', LIST_SCRIPT, 'sh', dir], { signal });
  if (r.exitCode !== 0) throw new Error(r.stderr || `exit code ${r.exitCode}`);
  return r.stdout
    .toString('utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => ({ type: TYPES[l.charAt(0)] ?? 'other', name: l.slice(2) }));
}

export async function execRead(
  client: DockerClient,
  id: string,
  p: string,
  signal?: AbortSignal,
): Promise<Buffer> {
  const r = await execIn(client, id, ['cat', '--', p], { signal });
  if (r.exitCode !== 0) throw new Error(r.stderr || `exit code ${r.exitCode}`);
  return r.stdout;
}

/** `cat > "$1"`: an existing file keeps its inode, owner and mode. */
export async function execWrite(
  client: DockerClient,
  id: string,
  p: string,
  data: Buffer,
  signal?: AbortSignal,
): Promise<void> {
  const r = await execIn(client, id, ['sh', '-c', 'cat > "$1"', 'sh', p], { stdin: data, signal });
  if (r.exitCode !== 0) throw new Error(r.stderr || `exit code ${r.exitCode}`);
}

export async function execRun(
  client: DockerClient,
  id: string,
  cmd: string[],
  signal?: AbortSignal,
): Promise<void> {
  const r = await execIn(client, id, cmd, { signal });
  if (r.exitCode !== 0)
    throw new Error(r.stderr || r.stdout.toString('utf8').trim() || `exit code ${r.exitCode}`);
}
