import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import type * as Qemu from '../../backends/qemu';
import { UserError } from '../../common/errors';
import { loadLazy } from '../../host/lazy';
import { withProgress } from '../../host/progress';
import type { Command } from '../command';
import { ask } from './ask';

interface Preset {
  readonly name?: string;
  readonly cpus?: number;
  readonly memoryMiB?: number;
  /** Create only (tests): do not start it. */
  readonly noStart?: boolean;
}

/**
 * "New Engine VM…": a VM whose guest runs Docker's engine. The guest image is built from Debian
 * packages the first time (a few minutes; cached after), the VM is created, booted, and its
 * containers appear under it once the Engine API answers. The argument (tests, other
 * extensions) skips the questions.
 */
export const newEngineVm: Command = {
  id: 'podvisor.vm.newEngine',
  async execute(svc, preset) {
    const section = svc.vms;
    const store = await section.ready();
    const Q = loadLazy<typeof Qemu>('qemu');
    const p = (typeof preset === 'object' && preset !== null ? preset : {}) as Preset;
    const taken = (v: string) =>
      store.info(v).spec ? vscode.l10n.t('A VM named "{0}" already exists.', v) : undefined;
    let suggested = 'engine';
    for (let i = 2; taken(suggested); i++) suggested = `engine-${i}`;
    const name =
      p.name ??
      (await ask(vscode.l10n.t('Engine VM name'), suggested, (v) => Q.vmNameProblem(v) ?? taken(v)));
    const cpus =
      p.cpus ??
      Number(
        await ask(vscode.l10n.t('Virtual CPUs'), String(Math.min(2, os.cpus().length)), (v) =>
          /^\d+$/.test(v) && +v >= 1 && +v <= os.cpus().length * 2
            ? undefined
            : vscode.l10n.t('1–{0}', os.cpus().length * 2),
        ),
      );
    const memoryMiB =
      p.memoryMiB ??
      Number(
        await ask(vscode.l10n.t('Memory (MiB)'), '1024', (v) =>
          /^\d+$/.test(v) && +v >= 512 ? undefined : vscode.l10n.t('at least 512'),
        ),
      );
    await withProgress(vscode.l10n.t('Creating engine VM {0}…', name), async (signal, report) => {
      report(vscode.l10n.t('kernel'));
      const k = await Q.resolveKernel(svc.settings.current.sandbox.kernel, svc.sandboxes.cacheDir(), signal);
      if (!k.modules)
        throw new UserError(
          vscode.l10n.t(
            'Engine VMs need a kernel with its modules folder; {0} has none (podvisor.sandbox.kernel).',
            k.vmlinuz,
          ),
        );
      // Beside the VMs (hidden from the VMs view): the images are their base disks.
      const cacheRoot = path.join(section.home, '.images');
      const kernel = { version: k.version, vmlinuz: k.vmlinuz, modules: k.modules };
      const cached = Q.cachedEngineImage(cacheRoot, kernel, Q.hostDebianSources());
      if (!cached)
        report(
          vscode.l10n.t('building the guest image from Debian packages (first time only, a few minutes)'),
        );
      const image =
        cached ??
        (await Q.ensureEngineImage(
          { cacheRoot, kernel, onLine: (l) => svc.log.info(`[engine image] ${l}`) },
          signal,
        ));
      report(vscode.l10n.t('creating the VM'));
      await store.create(Q.engineVmRequest({ name, image, cpus, memoryMiB }), signal);
      if (p.noStart) return;
      report(vscode.l10n.t('booting'));
      await store.start(name, { signal });
      report(vscode.l10n.t('waiting for the engine'));
      const engines = section.engineGroups.backend;
      if (engines) await engines.waitReady(name, 15 * 60_000, signal);
    });
    return name;
  },
};
