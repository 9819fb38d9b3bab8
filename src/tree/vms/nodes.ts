import * as fs from 'fs';
import * as vscode from 'vscode';
import type { EngineVmInfo, VmInfo } from '../../backends/qemu';
import { escapeMarkdown, markdownCode, tooltipMarkdown } from '../markdown';
import type { TreeNode } from '../node';

/**
 * `vm.running`, `vm.stopped`, `vm.paused`, `vm.starting`, `vm.stopping`, and `vm.saved` for a
 * stopped VM whose memory is saved (menus match on these).
 */
function vmContextValue(info: VmInfo): string {
  return info.state === 'stopped' && info.saved ? 'vm.saved' : `vm.${info.state}`;
}

const ENGINE_TEXT: Record<EngineVmInfo['state'], string> = {
  ready: 'engine ready',
  starting: 'engine starting',
  saving: 'saving',
  saved: 'engine saved',
  stopped: 'engine stopped',
};

function uptime(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return vscode.l10n.t('{0}s', s);
  if (s < 3600) return vscode.l10n.t('{0}m', Math.floor(s / 60));
  if (s < 86400) return vscode.l10n.t('{0}h {1}m', Math.floor(s / 3600), Math.floor((s % 3600) / 60));
  return vscode.l10n.t('{0}d {1}h', Math.floor(s / 86400), Math.floor((s % 86400) / 3600));
}

const STATE_ICON: Record<VmInfo['state'], [string, string]> = {
  running: ['vm-running', 'testing.iconPassed'],
  paused: ['debug-pause', 'editorWarning.foreground'],
  starting: ['loading~spin', ''],
  stopping: ['loading~spin', ''],
  stopped: ['vm-outline', 'disabledForeground'],
};

/** QEMU's resident memory, read when the tooltip is built (no polling). */
function rssMiB(pid: number): number | undefined {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Math.round(Number(m[1]) / 1024) : undefined;
  } catch {
    return undefined;
  }
}

class VmDetailNode implements TreeNode {
  constructor(
    readonly id: string,
    private readonly label: string,
    private readonly icon: string,
    private readonly parent: VmNode,
    private readonly tooltip?: string,
    private readonly command?: vscode.Command,
  ) {}

  getTreeItem(): vscode.TreeItem {
    const item = new vscode.TreeItem(this.label, vscode.TreeItemCollapsibleState.None);
    item.id = this.id;
    item.iconPath = new vscode.ThemeIcon(this.icon);
    item.tooltip = this.tooltip;
    item.command = this.command;
    item.contextValue = 'vm.detail';
    return item;
  }

  getChildren(): TreeNode[] {
    return [];
  }

  getParent(): VmNode {
    return this.parent;
  }
}

/** One Podvisor-managed VM. `info` is replaced on refresh; the node object stays (stable id). */
export class VmNode implements TreeNode {
  readonly id: string;
  constructor(
    public info: VmInfo,
    private readonly parent: TreeNode | undefined,
    /** An engine VM's engine rows (its containers and images, or "starting"). */
    private readonly engineRows: (node: VmNode) => TreeNode[] = () => [],
    private readonly engineInfo: (name: string) => EngineVmInfo | undefined = () => undefined,
  ) {
    this.id = `vm:${info.name}`;
  }

  get name(): string {
    return this.info.name;
  }

  getTreeItem(): vscode.TreeItem {
    const i = this.info;
    const item = new vscode.TreeItem(i.name, vscode.TreeItemCollapsibleState.Collapsed);
    item.id = this.id;
    const [icon, color] = i.problem ? ['warning', 'editorWarning.foreground'] : STATE_ICON[i.state];
    item.iconPath = new vscode.ThemeIcon(icon, color ? new vscode.ThemeColor(color) : undefined);
    const engine = i.spec?.engine ? this.engineInfo(i.name) : undefined;
    const parts: string[] = [i.state === 'stopped' && i.saved ? vscode.l10n.t('saved') : i.state];
    if (engine && i.state !== 'stopped') parts.push(vscode.l10n.t(ENGINE_TEXT[engine.state]));
    if (i.spec) parts.push(vscode.l10n.t('{0} vCPU · {1} MiB', i.spec.cpus, i.spec.memoryMiB));
    if (i.accel) parts.push(i.accel.accel.toUpperCase());
    if (i.startedAt && i.state !== 'stopped') parts.push(uptime(Date.now() - i.startedAt));
    const fw = i.spec?.network.forwards ?? [];
    if (fw.length) parts.push(fw.map((f) => `${f.host}→${f.guest}`).join(' '));
    item.description = parts.join(' · ');
    // Our own $(icons) render; everything from the spec, the folder or QEMU is escaped.
    let md = `**${escapeMarkdown(i.name)}** — ${escapeMarkdown(i.state)}${i.pid ? ` (pid ${i.pid})` : ''}\n\n`;
    if (i.problem) md += `$(warning) ${escapeMarkdown(i.problem)}\n\n`;
    if (i.accel)
      md += `${escapeMarkdown(vscode.l10n.t('Accelerator'))}: ${escapeMarkdown(`${i.accel.accel.toUpperCase()}, CPU ${i.accel.cpuModel} — ${i.accel.why}`)}\n\n`;
    const rss = i.pid ? rssMiB(i.pid) : undefined;
    if (rss !== undefined)
      md += `${escapeMarkdown(vscode.l10n.t('QEMU memory in use (RSS)'))}: ${rss} MiB\n\n`;
    if (engine?.endpoint)
      md += `${escapeMarkdown(vscode.l10n.t('Engine (DOCKER_HOST)'))}: ${markdownCode(engine.endpoint)} — ${escapeMarkdown(vscode.l10n.t(ENGINE_TEXT[engine.state]))}\n\n`;
    if (i.saved)
      md += `${escapeMarkdown(vscode.l10n.t('Saved memory: {0} MiB, {1} (Start resumes it)', (i.saved.bytes / 1048576).toFixed(0), new Date(i.saved.savedAt).toLocaleString()))}\n\n`;
    if (i.spec?.ssh) md += `SSH: ${markdownCode(`${i.spec.ssh.user}@127.0.0.1:${i.spec.ssh.port}`)}\n\n`;
    md += `${escapeMarkdown(vscode.l10n.t('Folder'))}: ${markdownCode(i.dir)}`;
    item.tooltip = tooltipMarkdown(md, { icons: true });
    item.contextValue = i.problem ? 'vm.broken' : vmContextValue(i);
    return item;
  }

  getChildren(): TreeNode[] {
    const i = this.info;
    const out: TreeNode[] = i.spec?.engine && i.state !== 'stopped' ? [...this.engineRows(this)] : [];
    const d = (key: string, label: string, icon: string, tooltip?: string, command?: vscode.Command) =>
      out.push(new VmDetailNode(`${this.id}:${key}`, label, icon, this, tooltip, command));
    if (i.problem) d('problem', i.problem, 'warning');
    const s = i.spec;
    if (!s) return out;
    d('size', vscode.l10n.t('{0} vCPU, {1} MiB memory, {2}', s.cpus, s.memoryMiB, s.machine), 'chip');
    if (i.accel)
      d(
        'accel',
        vscode.l10n.t('Accelerator: {0} (CPU {1})', i.accel.accel.toUpperCase(), i.accel.cpuModel),
        'rocket',
        i.accel.why,
      );
    if (i.startedAt && i.state !== 'stopped')
      d('uptime', vscode.l10n.t('Up {0}', uptime(Date.now() - i.startedAt)), 'clock');
    if (s.kernel)
      d(
        'kernel',
        vscode.l10n.t('Kernel: {0}', s.kernel.split('/').pop() ?? s.kernel),
        'file-binary',
        [s.kernel, s.initrd, s.cmdline].filter(Boolean).join('\n'),
      );
    s.disks.forEach((disk, n) =>
      d(
        `disk${n}`,
        disk.base
          ? vscode.l10n.t('Disk {0}: overlay on {1}', n, disk.base.split('/').pop() ?? disk.base)
          : vscode.l10n.t('Disk {0}: {1}', n, disk.file),
        'database',
        disk.base,
      ),
    );
    if (s.cdrom) d('cdrom', vscode.l10n.t('ISO: {0}', s.cdrom.split('/').pop() ?? s.cdrom), 'disc', s.cdrom);
    if (s.seed) d('seed', vscode.l10n.t('cloud-init seed'), 'cloud');
    for (const f of s.network.forwards) {
      d(
        `fw${f.proto}${f.host}`,
        `127.0.0.1:${f.host} → ${f.guest}/${f.proto}`,
        'plug',
        undefined,
        f.proto === 'tcp'
          ? {
              command: 'vscode.open',
              title: 'Open',
              arguments: [vscode.Uri.parse(`http://127.0.0.1:${f.host}/`)],
            }
          : undefined,
      );
    }
    for (const sh of s.shares)
      d(
        `share-${sh.tag}`,
        vscode.l10n.t('Shared: {0} → {1}', sh.path, sh.tag),
        'folder',
        sh.readOnly ? 'read-only' : undefined,
      );
    return out;
  }

  getParent(): TreeNode | undefined {
    return this.parent;
  }
}
