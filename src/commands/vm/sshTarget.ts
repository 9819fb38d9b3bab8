import * as vscode from 'vscode';
import type * as Qemu from '../../backends/qemu';
import { UserError } from '../../common/errors';
import { loadLazy } from '../../host/lazy';
import type { Services } from '../../host/services';
import { targetVm } from './target';

export interface SshTarget {
  readonly name: string;
  readonly alias: string;
  /** Podvisor's own SSH config file, written with every VM that has SSH. */
  readonly configFile: string;
  readonly user: string;
  readonly port: number;
}

/**
 * The VM an SSH command acts on, with Podvisor's SSH config rewritten for every VM that has SSH
 * and this VM's key checked the way ssh checks it (a readable key would be refused by ssh).
 */
export async function sshTarget(svc: Services, arg: unknown): Promise<SshTarget | undefined> {
  const t = await targetVm(
    svc,
    arg,
    ['running', 'paused', 'starting', 'stopped'],
    vscode.l10n.t('Select a VM'),
  );
  if (!t) return undefined;
  const Q = loadLazy<typeof Qemu>('qemu');
  const info = t.store.info(t.name);
  const ssh = info.spec?.ssh;
  if (!ssh)
    throw new UserError(
      vscode.l10n.t('VM {0} was created without SSH access (no key, no forwarded port 22).', t.name),
    );
  Q.checkKeyFile(t.store.paths(t.name).sshDir);
  const entries: Qemu.SshEntry[] = t.store
    .list()
    .filter((i) => i.spec?.ssh)
    .map((i) => ({
      vm: i.name,
      user: i.spec!.ssh!.user,
      port: i.spec!.ssh!.port,
      sshDir: t.store.paths(i.name).sshDir,
    }));
  const configFile = svc.settings.current.vm.sshConfigFile || Q.podvisorSshConfigPath();
  Q.writeSshConfig(configFile, entries);
  return { name: t.name, alias: Q.hostAlias(t.name), configFile, user: ssh.user, port: ssh.port };
}

/** A POSIX shell word (for a command line the user pastes). */
export function shellWord(s: string): string {
  return /^[A-Za-z0-9_./@:+=-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}
