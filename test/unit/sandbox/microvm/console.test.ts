import * as assert from 'assert';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import { consoleLine } from '../../../../src/sandbox/microvm/console';

/** The argv a POSIX shell gives `printf` after reading `line` (busybox ash: the guest's shell). */
function argvThroughShell(line: string): string[] {
  const sh = fs.existsSync('/bin/busybox') ? ['/bin/busybox', 'sh'] : ['/bin/sh'];
  const out = execFileSync(sh[0]!, [...sh.slice(1), '-c', `printf '[%s]\\n' ${line}`], { encoding: 'utf8' });
  return out
    .split('\n')
    .filter(Boolean)
    .map((l) => l.slice(1, -1));
}

describe('sandbox: a command typed into the microVM console', () => {
  it('reaches the program with spaces, quotes, $ and globs intact', () => {
    const argv = ['two words', `it's`, 'say "hi"', '$HOME', '*', 'a\\b', '', 'plain-ok/1.2'];
    assert.deepStrictEqual(argvThroughShell(consoleLine(argv)), argv);
  });

  it('quotes only what needs it', () => {
    assert.strictEqual(consoleLine(['echo', 'a b', `x'y`]), `echo 'a b' 'x'\\''y'`);
  });

  it('refuses a line break (it would end the console line early)', () => {
    assert.throws(() => consoleLine(['echo', 'a\nrm -rf /']), /line break/);
  });
});
