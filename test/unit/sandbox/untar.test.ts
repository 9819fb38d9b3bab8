/** untar: the host's tar fed from a stream through the runner, with tar's own reason on failure. */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Readable } from 'stream';
import { isCancelled } from '../../../src/common/errors';
import { processFailureOf, run } from '../../../src/common/process';
import { untar } from '../../../src/sandbox/untar';
import { RecordingRunner } from '../../harness/runner';
import { pidsMentioning } from '../../harness/processes';
import { until } from '../../harness/until';

describe('sandbox/untar', function () {
  this.timeout(30_000);
  let dir: string;
  before(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pv-untar-'))));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('unpacks a tar stream', async () => {
    const src = fs.mkdtempSync(path.join(dir, 'src-'));
    fs.mkdirSync(path.join(src, 'etc'));
    fs.writeFileSync(path.join(src, 'etc', 'hostname'), 'pv\n');
    const archive = (await run({ command: 'tar', args: ['-c', '-C', src, '.'], encoding: 'buffer' })).stdout;
    const to = fs.mkdtempSync(path.join(dir, 'to-'));
    const runner = new RecordingRunner();
    await untar(runner, Readable.from([archive]), ['-x', '-C', to, '-f', '-'], undefined);
    assert.strictEqual(fs.readFileSync(path.join(to, 'etc', 'hostname'), 'utf8'), 'pv\n');
    assert.deepStrictEqual(runner.argsOf('tar'), [['-x', '-C', to, '-f', '-']]);
  });

  it("gives tar's own reason for a stream that is no tar", async () => {
    const to = fs.mkdtempSync(path.join(dir, 'bad-'));
    await assert.rejects(
      untar(new RecordingRunner(), Readable.from([Buffer.alloc(64 * 1024, 'x')]), [
        '-x',
        '-C',
        to,
        '-f',
        '-',
      ]),
      (e: Error) => processFailureOf(e) === 'exit' && /does not look like a tar archive/.test(e.message),
    );
  });

  it('stops tar when the stream fails, and when the signal aborts', async () => {
    const to = fs.mkdtempSync(path.join(dir, 'broken-'));
    const broken = new Readable({ read() {} });
    const p = untar(new RecordingRunner(), broken, ['-x', '-C', to, '-f', '-']);
    // Waits for tar to be running (a fixed sleep lost the race on a loaded machine).
    await until('tar waiting for input', () => pidsMentioning(to).length === 1);
    broken.destroy(new Error('engine went away'));
    await assert.rejects(p, /engine went away/);
    assert.deepStrictEqual(pidsMentioning(to), []);

    const to2 = fs.mkdtempSync(path.join(dir, 'abort-'));
    const ac = new AbortController();
    const q = untar(
      new RecordingRunner(),
      new Readable({ read() {} }),
      ['-x', '-C', to2, '-f', '-'],
      ac.signal,
    );
    await until('the second tar running', () => pidsMentioning(to2).length === 1);
    ac.abort();
    await assert.rejects(q, (e: unknown) => isCancelled(e));
    assert.deepStrictEqual(pidsMentioning(to2), []);
  });
});
