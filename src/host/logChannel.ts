import * as vscode from 'vscode';
import type { Logger } from '../common/log';

/** The one output channel. A LogOutputChannel already has the Logger shape. */
export function createLog(): vscode.LogOutputChannel & Logger {
  return vscode.window.createOutputChannel('Podvisor', { log: true });
}
