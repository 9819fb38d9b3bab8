import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import type * as Qemu from '../../backends/qemu';
import { CancelledError } from '../../common/errors';
import { loadLazy } from '../../host/lazy';
import { withProgress } from '../../host/progress';
import type { Command } from '../command';
import { ask } from './ask';

type Kind = Qemu.VmSource['kind'];

async function pickFile(title: string, filters?: Record<string, string[]>): Promise<string> {
  const uris = await vscode.window.showOpenDialog({
    title,
    canSelectMany: false,
    filters,
    defaultUri: vscode.Uri.file(os.homedir()),
  });
  if (!uris?.[0]) throw new CancelledError();
  return uris[0].fsPath;
}

const DEFAULT_USER_DATA = `#cloud-config
# Written by you, passed to the VM as a cloud-init NoCloud seed (user-data).
users:
  - name: dev
    sudo: ALL=(ALL) NOPASSWD:ALL
    shell: /bin/bash
    # ssh_authorized_keys: [ "ssh-ed25519 AAAA… you@host" ]
ssh_pwauth: false
packages: []
runcmd:
  - echo "hello from cloud-init"
`;

/** Opens user-data in an editor and waits until the user saves and closes it (or cancels). */
async function editUserData(name: string): Promise<string> {
  const doc = await vscode.workspace.openTextDocument({ language: 'yaml', content: DEFAULT_USER_DATA });
  await vscode.window.showTextDocument(doc);
  const done = vscode.l10n.t('Use This user-data');
  const pick = await vscode.window.showInformationMessage(
    vscode.l10n.t('Edit the cloud-init user-data for {0}, then continue.', name),
    done,
  );
  if (pick !== done) throw new CancelledError();
  return doc.getText();
}

/**
 * The guided "New VM…" flow: source kind, files, name, CPUs, memory, port forwards. Each
 * answer is validated as it is typed; the VM is created (not started) and offered to start.
 * Arguments (for tests and other extensions): a ready CreateRequest skips the questions.
 */
export const newVm: Command = {
  id: 'podvisor.vm.new',
  async execute(svc, preset) {
    const section = svc.vms;
    const store = await section.ready();
    const Q = loadLazy<typeof Qemu>('qemu');
    let req: Qemu.CreateRequest;
    if (typeof preset === 'object' && preset !== null && 'source' in preset)
      req = preset as Qemu.CreateRequest;
    else {
      const kinds: Array<vscode.QuickPickItem & { src: Kind }> = [
        {
          src: 'disk',
          label: vscode.l10n.t('$(database) From a disk image'),
          detail: vscode.l10n.t('qcow2 or raw; the image is kept read-only, the VM writes an overlay'),
        },
        {
          src: 'cloud',
          label: vscode.l10n.t('$(cloud) From a cloud image with cloud-init'),
          detail: vscode.l10n.t('a cloud image plus user-data you write (NoCloud seed)'),
        },
        {
          src: 'iso',
          label: vscode.l10n.t('$(disc) From an installer ISO'),
          detail: vscode.l10n.t('boots the ISO with a new empty disk'),
        },
        {
          src: 'kernel',
          label: vscode.l10n.t('$(file-binary) From a kernel and initrd'),
          detail: vscode.l10n.t('direct kernel boot on a microvm, optionally with a disk'),
        },
      ];
      const kind = await vscode.window.showQuickPick(kinds, {
        title: vscode.l10n.t('New VM'),
        placeHolder: vscode.l10n.t('What does the VM boot from?'),
      });
      if (!kind) return;
      let source: Qemu.VmSource;
      let suggested = 'vm';
      if (kind.src === 'disk') {
        const image = await pickFile(vscode.l10n.t('Disk image'), {
          [vscode.l10n.t('Disk images')]: ['qcow2', 'img', 'raw', 'ext4'],
          '*': ['*'],
        });
        source = { kind: 'disk', image };
        suggested = path.basename(image).replace(/\.[^.]*$/, '');
      } else if (kind.src === 'iso') {
        const iso = await pickFile(vscode.l10n.t('Installer ISO'), { ISO: ['iso'] });
        Q.checkIso(iso);
        const size = await ask(vscode.l10n.t('Size of the new disk (GiB)'), '20', (v) =>
          /^\d+$/.test(v) && +v >= 1 && +v <= 4096 ? undefined : vscode.l10n.t('1–4096'),
        );
        source = { kind: 'iso', iso, diskGiB: Number(size) };
        suggested = path.basename(iso).replace(/\.iso$/i, '');
      } else if (kind.src === 'kernel') {
        const kernel = await pickFile(vscode.l10n.t('Kernel (bzImage / vmlinuz)'));
        const withInitrd = await vscode.window.showQuickPick(
          [vscode.l10n.t('With an initrd'), vscode.l10n.t('No initrd')],
          { placeHolder: vscode.l10n.t('Initrd?') },
        );
        if (!withInitrd) return;
        const initrd =
          withInitrd === vscode.l10n.t('With an initrd')
            ? await pickFile(vscode.l10n.t('Initrd / initramfs'))
            : undefined;
        const cmdline = await ask(vscode.l10n.t('Kernel command line'), 'console=ttyS0', () => undefined);
        source = { kind: 'kernel', kernel, initrd, cmdline };
      } else {
        const image = await pickFile(vscode.l10n.t('Cloud image (qcow2)'), {
          [vscode.l10n.t('Disk images')]: ['qcow2', 'img', 'raw'],
          '*': ['*'],
        });
        suggested = path.basename(image).replace(/\.[^.]*$/, '');
        const userData = await editUserData(suggested);
        source = { kind: 'cloud', image, userData };
      }
      const name = await ask(
        vscode.l10n.t('VM name'),
        suggested.replace(/[^A-Za-z0-9._-]/g, '-').slice(0, 63),
        (v) =>
          Q.vmNameProblem(v) ??
          (store.info(v).spec ? vscode.l10n.t('A VM named "{0}" already exists.', v) : undefined),
      );
      const cpus = await ask(vscode.l10n.t('Virtual CPUs'), '1', (v) =>
        /^\d+$/.test(v) && +v >= 1 && +v <= os.cpus().length * 2
          ? undefined
          : vscode.l10n.t('1–{0}', os.cpus().length * 2),
      );
      const mem = await ask(vscode.l10n.t('Memory (MiB)'), kind.src === 'kernel' ? '256' : '1024', (v) =>
        /^\d+$/.test(v) && +v >= 64 ? undefined : vscode.l10n.t('at least 64'),
      );
      const fw = await ask(
        vscode.l10n.t('Port forwards HOST:GUEST, comma-separated (bound to 127.0.0.1), or empty'),
        kind.src === 'kernel' ? '' : '2222:22',
        (v) => {
          try {
            v.split(',')
              .map((x) => x.trim())
              .filter(Boolean)
              .forEach((x) => Q.parsePortForward(x, ''));
            return undefined;
          } catch (e) {
            return (e as Error).message;
          }
        },
      );
      req = {
        name,
        cpus: Number(cpus),
        memoryMiB: Number(mem),
        source,
        forwards: fw
          .split(',')
          .map((x) => x.trim())
          .filter(Boolean)
          .map((x) => Q.parsePortForward(x, '')),
      };
    }
    const spec = await withProgress(vscode.l10n.t('Creating VM {0}…', req.name), (signal) =>
      store.create(req, signal),
    );
    if (preset) return spec;
    const start = vscode.l10n.t('Start');
    const pick = await vscode.window.showInformationMessage(
      vscode.l10n.t('VM {0} created.', spec.name),
      start,
    );
    if (pick === start) await vscode.commands.executeCommand('podvisor.vm.start', spec.name);
    return spec;
  },
};
