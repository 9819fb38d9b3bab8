import * as crypto from 'crypto';
import { UserError } from '../../common/errors';
import { shQuote } from '../lifecycle';

/** What the console needs from QEMU's serial channel (the qemu backend's SerialChannel has it). */
export interface ConsoleLike {
  readonly output: string;
  write(data: string | Buffer): void;
  waitFor(text: string | RegExp, timeoutMs: number, fromOffset?: number): Promise<string>;
}

/**
 * Runs one shell command line on the guest's console shell and returns its output and exit
 * code. The end marker is printed by the shell after the command (`$?` expanded), so the
 * terminal's echo of the typed line (with a literal `$?`) never matches it.
 */
export async function runOnConsole(
  con: ConsoleLike,
  line: string,
  timeoutMs: number,
): Promise<{ exitCode: number; output: string }> {
  if (line.includes('\n')) throw new UserError('A console command must be one line');
  const nonce = crypto.randomBytes(4).toString('hex');
  const from = con.output.length;
  con.write(`(${line}); echo "__PV_$?_${nonce}__"\n`);
  const re = new RegExp(`__PV_(\\d+)_${nonce}__`);
  const text = await con.waitFor(re, timeoutMs, from);
  const code = Number(re.exec(text)![1]);
  const lines = text.replace(/\r/g, '').split('\n');
  // Drop the echoed command line(s) and the marker line.
  const start = lines.findIndex((l) => l.includes(`_${nonce}__"`));
  const body = lines.slice(start + 1, -1).join('\n');
  return { exitCode: code, output: body ? body + '\n' : '' };
}

/**
 * An argv as one line for the guest's POSIX shell (busybox ash): each argument single-quoted
 * where it needs to be, so spaces, quotes and `$` reach the program as typed.
 */
export function consoleLine(argv: readonly string[]): string {
  if (argv.some((a) => a.includes('\n') || a.includes('\r')))
    throw new UserError('A console command cannot contain a line break');
  return argv.map(shQuote).join(' ');
}
