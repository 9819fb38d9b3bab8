import * as assert from 'assert';
import { UserError } from '../../../src/common/errors';
import { type Logger, logFailure } from '../../../src/common/log';
import { ProcessError } from '../../../src/common/processError';

function recorder(): { log: Logger; lines: Array<[string, string]> } {
  const lines: Array<[string, string]> = [];
  const at = (lvl: string) => (m: string | Error) => lines.push([lvl, String(m)]);
  return {
    lines,
    log: { trace: at('trace'), debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') },
  };
}

describe('logFailure: the level says whose fault it is', () => {
  it('a user mistake is a warning with the detail and no stack trace', () => {
    const r = recorder();
    logFailure(r.log, 'podvisor.vm.start', new UserError('VM "x" does not exist', 'looked in /vms'));
    assert.deepStrictEqual(r.lines, [
      ['warn', 'podvisor.vm.start: VM "x" does not exist'],
      ['warn', 'looked in /vms'],
    ]);
  });

  it("a tool's refusal (ProcessError) is a warning too, without a stack", () => {
    const r = recorder();
    const e = new ProcessError({
      command: 'virsh',
      args: ['start', 'x'],
      failure: 'exit',
      exitCode: 1,
      stderr: 'error: domain not found',
    });
    logFailure(r.log, 'podvisor.libvirt.start', e);
    assert.ok(r.lines.length >= 1);
    for (const [lvl, text] of r.lines) {
      assert.strictEqual(lvl, 'warn');
      assert.doesNotMatch(text, /\n\s+at /, 'no stack frames');
    }
  });

  it("Podvisor's own fault is an error with its stack", () => {
    const r = recorder();
    logFailure(r.log, 'podvisor.refresh', new TypeError("Cannot read properties of undefined (reading 'x')"));
    assert.strictEqual(r.lines.length, 1);
    assert.strictEqual(r.lines[0]![0], 'error');
    assert.match(r.lines[0]![1], /^podvisor\.refresh failed: TypeError: Cannot read[\s\S]*\n\s+at /);
  });
});
