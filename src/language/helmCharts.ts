import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import type { Logger } from '../common/log';
import type { SettingsStore } from '../host/settingsStore';
import type { ManifestService } from '../manifests/service';
import { toDiagnostic, positionsOf } from './convert';

type ManifestsModule = typeof import('../manifests');

/**
 * Helm charts in the workspace, checked the way they deploy: when a file of a chart is opened or
 * saved, the chart is rendered with `helm template` (the user's helm, podvisor.helm.path, or the
 * one Podvisor's tools built) with its values and the values file the user picked, the output is
 * validated, and the diagnostics are shown on the templates and values files they came from.
 * Without helm, templates keep the engine's "checks limited" treatment.
 */
export class HelmCharts implements vscode.Disposable {
  readonly collection = vscode.languages.createDiagnosticCollection('podvisor-helm');
  private readonly subs: vscode.Disposable[] = [this.collection];
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly running = new Map<string, AbortController>();
  /** Chart folder → files it put diagnostics on (cleared on the next render). */
  private readonly published = new Map<string, Set<string>>();
  /** Charts rendered successfully by helm (their templates' raw diagnostics are not shown). */
  private readonly rendered = new Set<string>();
  private readonly done = new vscode.EventEmitter<string>();
  /** Fires with the chart folder after each render (tests wait on it). */
  readonly onDidRender = this.done.event;
  private warnedNoHelm = false;

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly log: Logger,
    private readonly settings: SettingsStore,
    private readonly module: () => ManifestsModule,
    private readonly engine: () => ManifestService,
    private readonly republish: (chartDir: string) => void,
  ) {
    this.subs.push(
      this.done,
      vscode.workspace.onDidOpenTextDocument((d) => this.touched(d.uri, 0)),
      vscode.workspace.onDidSaveTextDocument((d) => this.touched(d.uri, 300)),
    );
    for (const d of vscode.workspace.textDocuments) this.touched(d.uri, 0);
  }

  /** The chart a file belongs to, if any (without loading the engine: every YAML file asks). */
  chartOf(uri: vscode.Uri): string | undefined {
    if (uri.scheme !== 'file') return undefined;
    let d = path.dirname(uri.fsPath);
    for (let i = 0; i < 12; i++) {
      if (fs.existsSync(path.join(d, 'Chart.yaml'))) return d;
      const up = path.dirname(d);
      if (up === d) break;
      d = up;
    }
    return undefined;
  }

  /** Is this a template of a chart helm rendered (its raw diagnostics give way to the rendered ones)? */
  isRenderedTemplate(uri: vscode.Uri): boolean {
    const c = this.chartOf(uri);
    if (!c || !this.rendered.has(c)) return false;
    const rel = path.relative(path.join(c, 'templates'), uri.fsPath);
    return !!rel && !rel.startsWith('..');
  }

  valuesFile(chartDir: string): string | undefined {
    return this.context.workspaceState.get<Record<string, string>>('podvisor.helm.values')?.[chartDir];
  }

  async setValuesFile(chartDir: string, file: string | undefined): Promise<void> {
    const all = {
      ...(this.context.workspaceState.get<Record<string, string>>('podvisor.helm.values') ?? {}),
    };
    if (file) all[chartDir] = file;
    else delete all[chartDir];
    await this.context.workspaceState.update('podvisor.helm.values', all);
    await this.render(chartDir);
  }

  private touched(uri: vscode.Uri, delay: number): void {
    if (!/\.(ya?ml|tpl)$/.test(uri.path)) return;
    const chart = this.chartOf(uri);
    if (!chart) return;
    clearTimeout(this.timers.get(chart));
    this.timers.set(
      chart,
      setTimeout(() => {
        this.timers.delete(chart);
        void this.render(chart);
      }, delay),
    );
  }

  /** Renders and validates one chart now; resolves when its diagnostics are published. */
  async render(chartDir: string): Promise<void> {
    const m = this.module();
    const helm = m.locateHelm(this.settings.current.manifests.helmPath || undefined);
    if (!helm) {
      if (!this.warnedNoHelm)
        this.log.info(
          'helm not found (podvisor.helm.path, PATH, or node scripts/tools.mjs build helm): chart templates are checked without rendering',
        );
      this.warnedNoHelm = true;
      this.rendered.delete(chartDir);
      this.done.fire(chartDir);
      return;
    }
    this.running.get(chartDir)?.abort();
    const ac = new AbortController();
    this.running.set(chartDir, ac);
    const values = this.valuesFile(chartDir);
    try {
      const engine = this.engine();
      const r = await m.validateChart({
        helm,
        chartDir,
        ...(values ? { valuesFiles: [values] } : {}),
        store: engine.store,
        options: engine.options,
        files: m.nodeFiles,
        signal: ac.signal,
      });
      if (ac.signal.aborted) return;
      for (const f of this.published.get(chartDir) ?? []) this.collection.delete(vscode.Uri.file(f));
      const files = new Set<string>();
      for (const [file, diags] of r.byFile) {
        const uri = vscode.Uri.file(file);
        const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
        const conv = open ?? positionsOf(m.nodeFiles.read(file) ?? '');
        this.collection.set(
          uri,
          diags.map((d) => toDiagnostic(conv, d)),
        );
        files.add(file);
      }
      this.published.set(chartDir, files);
      if (r.render.errors.length === 0) this.rendered.add(chartDir);
      else this.rendered.delete(chartDir);
      this.log.info(
        `helm template ${path.basename(chartDir)}${values ? ` -f ${path.basename(values)}` : ''}: ${r.render.docs.length} document(s) in ${r.render.ms.toFixed(0)} ms, ${[...r.byFile.values()].flat().length} diagnostic(s)`,
      );
      this.republish(chartDir);
    } catch (e) {
      this.log.warn(`helm template ${chartDir}: ${e instanceof Error ? e.message : String(e)}`);
      this.rendered.delete(chartDir);
    } finally {
      if (this.running.get(chartDir) === ac) this.running.delete(chartDir);
      this.done.fire(chartDir);
    }
  }

  dispose(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    for (const a of this.running.values()) a.abort();
    for (const s of this.subs) s.dispose();
  }
}
