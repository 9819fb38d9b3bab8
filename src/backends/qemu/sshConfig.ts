/**
 * The SSH config file Podvisor owns (`~/.ssh/podvisor/config`): one `Host podvisor-<vm>` entry
 * per VM with SSH, naming the forwarded port on 127.0.0.1, the VM's own key and its pinned host
 * key. Podvisor rewrites this file whole; it never edits `~/.ssh/config` except to add one
 * `Include` line, and only when the user agreed (Connect with Remote-SSH needs the alias to be
 * known to ssh's default configuration).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { UserError } from '../../common/errors';
import { CLIENT_KEY } from './sshKeys';

export interface SshEntry {
  readonly vm: string;
  readonly user: string;
  readonly port: number;
  /** The VM's `ssh/` folder. */
  readonly sshDir: string;
}

export const HOST_PREFIX = 'podvisor-';

export function hostAlias(vm: string): string {
  return `${HOST_PREFIX}${vm}`;
}

/** The owned file (`~/.ssh/podvisor/config` by default). */
export function podvisorSshConfigPath(home = os.homedir()): string {
  return path.join(home, '.ssh', 'podvisor', 'config');
}

/** ssh_config takes a value in double quotes; a path that needs more than that is refused. */
function quoted(p: string): string {
  if (/["\n\r\\]/.test(p))
    throw new UserError(`Cannot write the path ${JSON.stringify(p)} into an SSH config.`);
  return `"${p}"`;
}

export function renderSshConfig(entries: readonly SshEntry[]): string {
  const out = [
    '# Written by Podvisor (VS Code): one entry per Podvisor VM with SSH. Rewritten whole; edits are lost.',
    '',
  ];
  for (const e of [...entries].sort((a, b) => a.vm.localeCompare(b.vm))) {
    out.push(
      `Host ${hostAlias(e.vm)}`,
      '  HostName 127.0.0.1',
      `  Port ${e.port}`,
      `  User ${e.user}`,
      `  IdentityFile ${quoted(path.join(e.sshDir, CLIENT_KEY))}`,
      '  IdentitiesOnly yes',
      `  UserKnownHostsFile ${quoted(path.join(e.sshDir, 'known_hosts'))}`,
      '  StrictHostKeyChecking yes',
      '',
    );
  }
  return out.join('\n');
}

/** Writes the owned file (folder 0700, file 0600) when its content changed. */
export function writeSshConfig(file: string, entries: readonly SshEntry[]): void {
  const text = renderSshConfig(entries);
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  if (fs.existsSync(file) && fs.readFileSync(file, 'utf8') === text) return;
  fs.writeFileSync(`${file}.tmp`, text, { mode: 0o600 });
  fs.renameSync(`${file}.tmp`, file);
}

/** The `Include` line for the owned file, as it goes into ~/.ssh/config. */
export function includeLine(file: string, home = os.homedir()): string {
  const rel = path.relative(path.join(home, '.ssh'), file);
  // ssh resolves a relative Include against ~/.ssh; keep it short when the file is under it.
  return `Include ${!rel.startsWith('..') && !path.isAbsolute(rel) ? rel : quoted(file)}`;
}

/** Whether the user's ssh config already includes the owned file (any spelling we write). */
export function includesPodvisorConfig(userConfig: string, file: string, home = os.homedir()): boolean {
  const want = includeLine(file, home).toLowerCase();
  return userConfig
    .split('\n')
    .map((l) => l.trim().replace(/\s+/g, ' ').toLowerCase())
    .some(
      (l) => l === want || l === `include ${file.toLowerCase()}` || l === `include "${file.toLowerCase()}"`,
    );
}

/**
 * Adds the Include at the top of ~/.ssh/config (an Include after a `Host` line would apply to
 * that host only). Creates the file (0600) when there is none. The caller asked the user first.
 */
export function addInclude(userConfigFile: string, file: string, home = os.homedir()): void {
  const old = fs.existsSync(userConfigFile) ? fs.readFileSync(userConfigFile, 'utf8') : '';
  if (includesPodvisorConfig(old, file, home)) return;
  fs.mkdirSync(path.dirname(userConfigFile), { recursive: true, mode: 0o700 });
  const text = `# Added by Podvisor: its VMs (podvisor-<name>)\n${includeLine(file, home)}\n\n${old}`;
  const mode = fs.existsSync(userConfigFile) ? fs.statSync(userConfigFile).mode & 0o777 : 0o600;
  fs.writeFileSync(`${userConfigFile}.podvisor.tmp`, text, { mode });
  fs.renameSync(`${userConfigFile}.podvisor.tmp`, userConfigFile);
}
