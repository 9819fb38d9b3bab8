import * as path from 'path';
import * as vscode from 'vscode';
import { CancelledError, UserError, messageOf } from '../../common/errors';
import { processRunner } from '../../common/process';
import { withProgress } from '../../host/progress';
import type { Command } from '../command';
import { engineTarget } from '../docker/engineTarget';

/** `K=V` pairs, comma or newline separated; keys as the CLI takes them. */
export function parseBuildArgs(text: string): string[] {
  const out: string[] = [];
  for (const part of text
    .split(/[,\n]/)
    .map((s) => s.trim())
    .filter(Boolean)) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*=/.test(part))
      throw new UserError(vscode.l10n.t('Not a build argument (KEY=value): {0}', part));
    out.push(part);
  }
  return out;
}

/**
 * Build Image: `docker build` with BuildKit (the CLI users have), its progress streamed to a
 * terminal; cancel (the notification, or closing the terminal) stops the build. A failed build
 * tags nothing. A test passes `{ tag, buildArgs, engine }` as the second argument.
 */
export const buildImage: Command = {
  id: 'podvisor.image.build',
  async execute(svc, ...args) {
    let dockerfile =
      args[0] instanceof vscode.Uri ? args[0].fsPath : typeof args[0] === 'string' ? args[0] : undefined;
    if (!dockerfile) {
      const picked = await vscode.window.showOpenDialog({
        canSelectMany: false,
        title: vscode.l10n.t('Dockerfile to build'),
      });
      dockerfile = picked?.[0]?.fsPath;
    }
    if (!dockerfile) throw new CancelledError();
    const given = args[1] as { tag?: string; buildArgs?: string; engine?: string } | undefined;
    const engine = await engineTarget(svc, given?.engine, vscode.l10n.t('Engine to build on'));
    const m = svc.containers.module();
    const dir = path.dirname(dockerfile);
    const tag =
      given?.tag ??
      (await vscode.window.showInputBox({
        title: vscode.l10n.t('Tag for the image'),
        value: `${
          path
            .basename(dir)
            .toLowerCase()
            .replace(/[^a-z0-9._-]/g, '') || 'image'
        }:latest`,
        validateInput: (v) =>
          m.parseImageReference(v) ? undefined : vscode.l10n.t('Not an image name[:tag]'),
      }));
    if (!tag) throw new CancelledError();
    if (!m.parseImageReference(tag)) throw new UserError(vscode.l10n.t('Not an image name[:tag]: {0}', tag));
    const argsText =
      given?.buildArgs ??
      (await vscode.window.showInputBox({
        title: vscode.l10n.t('Build arguments (KEY=value, comma separated; empty for none)'),
      }));
    if (argsText === undefined) throw new CancelledError();
    const buildArgs = parseBuildArgs(argsText).flatMap((a) => ['--build-arg', a]);
    const ep = engine.endpoint;
    const write = new vscode.EventEmitter<string>();
    const closed = new AbortController();
    const term = vscode.window.createTerminal({
      name: vscode.l10n.t('Build: {0}', tag),
      iconPath: new vscode.ThemeIcon('tools'),
      pty: { onDidWrite: write.event, open: () => undefined, close: () => closed.abort() },
    });
    term.show(true);
    await withProgress(vscode.l10n.t('Building {0}', tag), async (signal, report) => {
      const ac = new AbortController();
      signal.addEventListener('abort', () => ac.abort());
      closed.signal.addEventListener('abort', () => ac.abort());
      const h = processRunner.start(
        {
          command: svc.settings.current.docker.dockerPath || 'docker',
          args: ['build', '--progress=plain', '-f', dockerfile, '-t', tag, ...buildArgs, dir],
          cwd: dir,
          env: {
            DOCKER_BUILDKIT: '1',
            DOCKER_HOST: engine.host,
            DOCKER_TLS_VERIFY: ep?.tlsVerify ? '1' : undefined,
            DOCKER_CERT_PATH: ep?.tlsVerify ? ep.tlsDir : undefined,
          },
          label: 'docker build',
          stdout: 'pipe',
          stderr: 'pipe',
        },
        ac.signal,
      );
      for (const s of [h.stdout, h.stderr])
        s?.setEncoding('utf8').on('data', (d: string) => {
          write.fire(d.replace(/\r?\n/g, '\r\n'));
          const last = d.trim().split('\n').pop();
          if (last) report(last.slice(0, 100));
        });
      try {
        await h.done();
        write.fire(`\r\n\x1b[32m${vscode.l10n.t('Built {0}', tag)}\x1b[0m\r\n`);
      } catch (e) {
        write.fire(`\r\n\x1b[31m${messageOf(e)}\x1b[0m\r\n`);
        throw e;
      }
    });
    await engine.refresh();
    return tag;
  },
};
