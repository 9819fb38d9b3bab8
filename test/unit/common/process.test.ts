/**
 * The process runner against real processes: trees stopped on abort and timeout (checked in
 * /proc), the tool's stderr in the error, stdin, a missing binary, big outputs, streaming.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { isCancelled } from '../../../src/common/errors';
import { processFailureOf, run, start, type ProcessError } from '../../../src/common/process';
import { until } from '../../harness/until';

const NODE = process.execPath;

/**
 * Whether `pid` still runs, from /proc. A zombie counts as gone: it has exited and only waits
 * for init to reap it (this machine's init does, within a second or two).
 */
function running(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** node -e: starts `sleep 60` as a grandchild (same group), writes "<own pid> <sleep pid>" to argv[1], then idles. */
const TREE = `
const { spawn } = require('child_process');
const g = spawn('sleep', ['60'], { stdio: 'ignore' });
${'' /* a grandchild that ignores SIGTERM when argv[2] says so */}
const stubborn = process.argv[2] === 'stubborn'
  ? spawn(process.execPath, ['-e', 'process.on("SIGTERM", () => {}); setInterval(() => {}, 1000)'], { stdio: 'ignore' })
  : undefined;
setTimeout(() => require('fs').writeFileSync(process.argv[1], [process.pid, g.pid, stubborn?.pid ?? ''].join(' ')), 200);
setInterval(() => {}, 1000);
`;

/** Every pid a test tree reported, SIGKILLed after the suite in case a broken runner left one. */
const reported: number[] = [];

async function treePids(file: string): Promise<number[]> {
  const text = await until(
    `${file} to be written`,
    () => (fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : undefined),
    10_000,
  );
  const pids = text.split(' ').filter(Boolean).map(Number);
  reported.push(...pids);
  return pids;
}

describe('common/process: the runner', function () {
  this.timeout(30_000);
  let dir: string;
  before(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pv-process-'))));
  after(() => {
    for (const pid of reported.filter(running)) process.kill(pid, 'SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('passes arguments as they are (no shell)', async () => {
    const weird = '$HOME; echo x `id` "q" \'s\' *';
    const r = await run({ command: 'printf', args: ['%s', weird] });
    assert.strictEqual(r.stdout, weird);
    assert.strictEqual(r.exitCode, 0);
  });

  it('writes input to stdin, and returns bytes with encoding buffer', async () => {
    const text = 'line one\nzwei — ünï\n'.repeat(1000);
    assert.strictEqual((await run({ command: 'cat', args: [], input: text })).stdout, text);
    const bytes = Buffer.from(Array.from({ length: 65536 }, (_, i) => (i * 7) % 256));
    const r = await run({ command: 'cat', args: [], input: bytes, encoding: 'buffer' });
    assert.ok(Buffer.isBuffer(r.stdout));
    assert.ok(r.stdout.equals(bytes));
  });

  it('collects a large output whole, and stops one past maxBuffer', async () => {
    const r = await run({
      command: 'head',
      args: ['-c', String(48 * 1024 * 1024), '/dev/zero'],
      encoding: 'buffer',
    });
    assert.strictEqual(r.stdout.length, 48 * 1024 * 1024);
    await assert.rejects(
      run({ command: 'cat', args: ['/dev/zero'], maxBuffer: 1024 * 1024 }),
      (e: ProcessError) =>
        processFailureOf(e) === 'output-limit' && /cat printed more than 1 MiB/.test(e.message),
    );
  });

  it("puts the tool's own stderr (trimmed tail) and exit code in the error", async () => {
    const script =
      'console.error("noise 1\\nnoise 2\\nnoise 3\\n  qemu-img: disk.qcow2: No space left  \\n"); process.exit(3)';
    await assert.rejects(
      run({ command: NODE, args: ['-e', script], label: 'qemu-img create' }),
      (e: ProcessError) => {
        assert.strictEqual(processFailureOf(e), 'exit');
        assert.strictEqual(e.code, 'PODVISOR_USER_ERROR');
        assert.strictEqual(e.exitCode, 3);
        assert.strictEqual(
          e.message,
          'qemu-img create failed (exit 3): noise 2 noise 3 qemu-img: disk.qcow2: No space left',
        );
        assert.match(e.detail ?? '', /^\$ .*node -e /);
        assert.match(e.stderr, /noise 1/);
        return true;
      },
    );
    // An accepted exit code is an answer, not a failure.
    const r = await run({ command: NODE, args: ['-e', 'process.exit(3)'], okExitCodes: [0, 3] });
    assert.strictEqual(r.exitCode, 3);
  });

  it('names a missing binary and its Debian package', async () => {
    await assert.rejects(run({ command: 'podvisor-no-such-tool', args: [] }), (e: ProcessError) => {
      assert.strictEqual(processFailureOf(e), 'not-found');
      assert.strictEqual(e.message, 'podvisor-no-such-tool was not found.');
      return true;
    });
    const empty = fs.mkdtempSync(path.join(dir, 'path-'));
    await assert.rejects(
      run({ command: 'qemu-img', args: ['info'], env: { PATH: empty }, hint: 'or set podvisor.x' }),
      (e: Error) =>
        e.message === 'qemu-img was not found: install the Debian package qemu-utils (or set podvisor.x).',
    );
    await assert.rejects(
      run({ command: 'true', args: [], cwd: path.join(dir, 'nope') }),
      (e: ProcessError) =>
        processFailureOf(e) === 'spawn' && e.message.includes(`the folder ${dir}/nope does not exist`),
    );
  });

  it('reports a child killed by a signal', async () => {
    await assert.rejects(
      run({ command: NODE, args: ['-e', 'process.kill(process.pid, "SIGKILL")'] }),
      (e: ProcessError) => processFailureOf(e) === 'signal' && /killed by SIGKILL/.test(e.message),
    );
  });

  it('abort stops the whole tree (child and grandchild) and rejects as cancelled', async () => {
    const file = path.join(dir, 'abort.pids');
    const ac = new AbortController();
    const p = run({ command: NODE, args: ['-e', TREE, file] }, ac.signal);
    const pids = await treePids(file);
    assert.strictEqual(pids.length, 2);
    assert.ok(pids.every(running), 'the tree runs before the abort');
    ac.abort();
    await assert.rejects(p, (e: unknown) => isCancelled(e));
    await until('child and grandchild to be gone', () => !pids.some(running), 5_000);
  });

  it('a timeout stops the whole tree, SIGKILL for a grandchild that ignores SIGTERM', async () => {
    const file = path.join(dir, 'timeout.pids');
    const p = run({ command: NODE, args: ['-e', TREE, file, 'stubborn'], timeoutMs: 1500, graceMs: 500 });
    const pids = await treePids(file);
    assert.strictEqual(pids.length, 3);
    await assert.rejects(p, (e: ProcessError) => {
      assert.strictEqual(processFailureOf(e), 'timeout');
      assert.match(e.message, /did not finish within 2 s and was stopped/);
      return true;
    });
    await until('the tree, the stubborn one too, to be gone', () => !pids.some(running), 5_000);
  });

  it('an already aborted signal starts nothing', async () => {
    const ac = new AbortController();
    ac.abort();
    const file = path.join(dir, 'never');
    await assert.rejects(run({ command: 'touch', args: [file] }, ac.signal), (e: unknown) => isCancelled(e));
    assert.ok(!fs.existsSync(file));
  });

  describe('start (long-lived children)', () => {
    it('streams stdout line by line; stop() ends the tree', async () => {
      const file = path.join(dir, 'stream.pids');
      const h = start({
        command: NODE,
        args: ['-e', `${TREE}; setInterval(() => console.log("tick"), 50)`, file],
      });
      let lines = 0;
      h.stdout!.setEncoding('utf8').on('data', (d: string) => (lines += d.split('\n').length - 1));
      const pids = await treePids(file);
      await until('three lines', () => lines >= 3, 10_000);
      assert.strictEqual(h.exitStatus, undefined);
      const st = await h.stop(500);
      assert.strictEqual(st.signal, 'SIGTERM');
      await until('the tree to be gone', () => !pids.some(running), 5_000);
    });

    it('done() gives a failing pipe its stderr, and a cancelled one CancelledError', async () => {
      const tar = start({
        command: 'tar',
        args: ['-x', '-C', dir, '-f', '-'],
        stdin: 'pipe',
        stdout: 'ignore',
      });
      tar.stdin!.end(Buffer.alloc(10_000, 'x'));
      await assert.rejects(tar.done(), (e: ProcessError) => {
        assert.strictEqual(processFailureOf(e), 'exit');
        assert.match(e.message, /^tar failed \(exit 2\): .*does not look like a tar archive/);
        return true;
      });
      const ac = new AbortController();
      const file = path.join(dir, 'start-abort.pids');
      const h = start({ command: NODE, args: ['-e', TREE, file] }, ac.signal);
      const pids = await treePids(file);
      ac.abort();
      await assert.rejects(h.done(), (e: unknown) => isCancelled(e));
      await until('the tree to be gone', () => !pids.some(running), 5_000);
    });

    it('a missing binary rejects exited with the not-found error; outlive refuses pipes', async () => {
      const h = start({ command: 'podvisor-no-such-daemon', args: [] });
      await assert.rejects(h.exited, (e: ProcessError) => processFailureOf(e) === 'not-found');
      assert.throws(() => start({ command: 'sleep', args: ['1'], outlive: true }), /cannot have pipes/);
    });
  });
});
