/**
 * forwardPorts through VS Code's port forwarding: the engine publishes each port on 127.0.0.1,
 * and `asExternalUri` hands that address to the editor, which forwards it (and lists it in the
 * Ports view) when the window is remote or in a browser, and leaves a local one as it is.
 * portsAttributes decide what happens next: notify (the default), open a browser or the
 * preview, stay silent, or not forward at all.
 */
import * as vscode from 'vscode';
import type { Services } from '../../host/services';

type SandboxInfo = import('../../sandbox').SandboxInfo;
type SandboxSpec = import('../../sandbox').SandboxSpec;

export interface ForwardedPort {
  readonly container: number;
  readonly host: number;
  readonly uri: string;
  readonly label?: string;
}

/** Forwards the sandbox's published TCP ports; returns what was forwarded (tests read it). */
export async function forwardSandboxPorts(
  svc: Services,
  info: SandboxInfo,
  spec: SandboxSpec | undefined,
): Promise<ForwardedPort[]> {
  const m = svc.sandboxes.module();
  const out: ForwardedPort[] = [];
  const seen = new Set<number>();
  for (const p of info.ports) {
    if (p.protocol !== 'tcp' || !p.host || seen.has(p.host)) continue;
    seen.add(p.host);
    const a = m.attributesFor(p.container, spec?.portsAttributes, spec?.otherPortsAttributes);
    if (a?.onAutoForward === 'ignore') continue;
    const scheme = a?.protocol ?? 'http';
    const uri = await vscode.env.asExternalUri(vscode.Uri.parse(`${scheme}://127.0.0.1:${p.host}`));
    const f: ForwardedPort = {
      container: p.container,
      host: p.host,
      uri: uri.toString(),
      ...(a?.label ? { label: a.label } : {}),
    };
    out.push(f);
    svc.log.info(
      `sandbox ${info.name}: port ${p.container}${a?.label ? ` (${a.label})` : ''} forwarded: ${f.uri}`,
    );
    const what = a?.onAutoForward ?? 'notify';
    if (what === 'openBrowser' || what === 'openBrowserOnce') void vscode.env.openExternal(uri);
    else if (what === 'openPreview')
      void vscode.commands.executeCommand('simpleBrowser.show', uri.toString());
    else if (what === 'notify') {
      const open = vscode.l10n.t('Open in Browser');
      void vscode.window
        .showInformationMessage(
          vscode.l10n.t(
            'Sandbox {0}: {1} (port {2}) is available at {3}',
            info.name,
            a?.label ?? vscode.l10n.t('a service'),
            p.container,
            f.uri,
          ),
          open,
        )
        .then((x) => x === open && vscode.env.openExternal(uri));
    }
  }
  return out;
}
