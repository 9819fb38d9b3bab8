import * as vscode from 'vscode';
import { loadLazy } from '../host/lazy';
import type { Logger } from '../common/log';
import type { SettingsStore } from '../host/settingsStore';
import type { ManifestDiagnostic } from '../manifests/diagnostics';
import type { ManifestService } from '../manifests/service';
import type { ParsedDoc } from '../manifests/parse';
import { DIAGNOSTIC_SOURCE, toDiagnostic } from './convert';
import { isDuplicate } from './yamlOverlap';
import { redHatPolicy, redHatState } from './redhatYaml';
import { RuntimeClassIndex } from './runtimeClassIndex';
import { KustomizeWatcher } from './kustomizeWatcher';
import { HelmCharts } from './helmCharts';
import { RENDERED_SCHEME, RenderedDocuments } from './rendered';

type ManifestsModule = typeof import('../manifests');

/**
 * Cheap test, before the engine bundle is loaded, that a YAML text may hold a manifest: an
 * `apiVersion:` and a `kind:` key at the start of a line. The engine decides for real.
 */
export function mayHoldManifest(text: string, uriPath = ''): boolean {
  return (
    (/^\s*kind:[ \t]*\S/m.test(text) && /^\s*apiVersion:[ \t]*\S/m.test(text)) ||
    /(?:^|\/)(?:kustomization\.ya?ml|Kustomization)$/.test(uriPath)
  );
}

function isYaml(doc: vscode.TextDocument): boolean {
  return doc.languageId === 'yaml' || /\.ya?ml$/i.test(doc.uri.path) || /\/Kustomization$/.test(doc.uri.path);
}

export interface ManifestLanguageDeps {
  readonly context: vscode.ExtensionContext;
  readonly log: Logger;
  readonly settings: SettingsStore;
  /** Local image names from the container backend, when there is one. */
  readonly listImageNames?: () => Promise<string[]>;
}

/**
 * The editor side of the manifest engine: owns the lazily created ManifestService, keeps it in
 * step with open YAML documents, and publishes diagnostics (debounced on change). Providers and
 * commands reach the engine through `sync(document)`, which brings it up to the document's
 * current version first (an incremental update: only changed YAML documents are re-parsed).
 */
export class ManifestLanguage implements vscode.Disposable {
  readonly collection = vscode.languages.createDiagnosticCollection('podvisor-manifests');
  private service?: ManifestService;
  private readonly versions = new Map<string, number>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly subs: vscode.Disposable[] = [];
  readonly runtimeClasses: RuntimeClassIndex;
  /** Charts rendered with helm and validated (diagnostics on their templates). */
  readonly helm: HelmCharts;
  /** Read-only rendered documents (Preview Kustomize Build). */
  readonly rendered = new RenderedDocuments();
  private readonly published = new vscode.EventEmitter<vscode.Uri>();
  /** Fires after diagnostics of a file were published (tests wait on it). */
  readonly onDidPublish = this.published.event;
  static readonly DEBOUNCE_MS = 200;

  constructor(private readonly deps: ManifestLanguageDeps) {
    this.runtimeClasses = new RuntimeClassIndex(deps.log, () => this.engineModule());
    this.helm = new HelmCharts(
      deps.context,
      deps.log,
      deps.settings,
      () => this.engineModule(),
      () => this.engine(),
      (chart) => {
        for (const d of vscode.workspace.textDocuments)
          if (this.helm.chartOf(d.uri) === chart && this.service?.has(d.uri.toString())) this.publish(d);
      },
    );
    this.subs.push(
      this.helm,
      this.rendered,
      this.collection,
      this.runtimeClasses,
      this.published,
      vscode.workspace.onDidOpenTextDocument((d) => this.schedule(d, 0)),
      vscode.workspace.onDidChangeTextDocument((e) => {
        if (e.contentChanges.length) this.schedule(e.document, ManifestLanguage.DEBOUNCE_MS);
      }),
      vscode.workspace.onDidCloseTextDocument((d) => this.forget(d.uri)),
      this.runtimeClasses.onDidChange(() => this.republishAll()),
      deps.settings.onDidChange(({ previous, current }) => {
        if (JSON.stringify(previous.manifests) === JSON.stringify(current.manifests)) return;
        this.service?.setOptions(this.validationOptions());
        this.republishAll();
      }),
      vscode.extensions.onDidChange(() => this.refreshPolicy()),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('yaml')) this.refreshPolicy();
      }),
    );
    this.refreshPolicy();
    for (const d of vscode.workspace.textDocuments) this.schedule(d, 0);
  }

  /** The engine bundle (loaded on first use). */
  engineModule(): ManifestsModule {
    return loadLazy<ManifestsModule>('manifests');
  }

  /** The engine, created on first use. */
  engine(): ManifestService {
    if (!this.service) {
      const t0 = performance.now();
      const m = this.engineModule();
      const listImageNames = this.deps.listImageNames;
      this.service = new m.ManifestService({
        schemaDir: vscode.Uri.joinPath(this.deps.context.extensionUri, 'schemas').fsPath,
        options: this.validationOptions(),
        facts: {
          runtimeClassNames: () => this.runtimeClasses.names(),
          ...(listImageNames ? { listImageNames } : {}),
        },
      });
      this.deps.log.info(`manifest engine loaded in ${(performance.now() - t0).toFixed(0)} ms`);
      void this.runtimeClasses.start(); // logs its own failure; diagnostics do not wait for it
      const kw = new KustomizeWatcher(this.deps.log, this.service, (uris) => this.republish(uris));
      this.subs.push(kw);
      void kw
        .start()
        .catch((e: unknown) =>
          this.deps.log.warn(`kustomize index: ${e instanceof Error ? e.message : String(e)}`),
        );
    }
    return this.service;
  }

  private validationOptions(): {
    kubernetesVersion: string;
    kubevirtVersion: string;
    knownRuntimeHandlers: string[];
  } {
    const s = this.deps.settings.current.manifests;
    const m = this.engineModule();
    return {
      kubernetesVersion: s.kubernetesVersion,
      kubevirtVersion: s.kubevirtVersion,
      knownRuntimeHandlers: [...m.DEFAULT_RUNTIME_HANDLERS, ...s.knownRuntimeHandlers],
    };
  }

  /** Brings the engine up to the document's current text; undefined if it is not a manifest file. */
  sync(doc: vscode.TextDocument): ManifestService | undefined {
    if (!isYaml(doc)) return undefined;
    const key = doc.uri.toString();
    const svc = this.service;
    if (svc?.has(key) && this.versions.get(key) === doc.version) return svc;
    const text = doc.getText();
    if (!svc?.has(key) && !mayHoldManifest(text, doc.uri.path)) return undefined;
    const engine = this.engine();
    engine.update(key, text);
    this.versions.set(key, doc.version);
    // An edited kustomization changes what the files it lists are.
    const moved = engine.refreshRoles().filter((u) => u !== key);
    if (moved.length) setTimeout(() => this.republish(moved), 0);
    return engine;
  }

  /** Does the document hold at least one recognised kind? */
  isManifest(doc: vscode.TextDocument): boolean {
    const svc = this.sync(doc);
    return !!svc && svc.documents(doc.uri.toString()).some((p) => p.kindInfo);
  }

  private schedule(doc: vscode.TextDocument, delay: number): void {
    if (!isYaml(doc) || doc.uri.scheme === 'git' || doc.uri.scheme === 'output') return;
    const key = doc.uri.toString();
    clearTimeout(this.timers.get(key));
    if (delay === 0) {
      this.timers.delete(key);
      this.publish(doc);
      return;
    }
    this.timers.set(
      key,
      setTimeout(() => {
        this.timers.delete(key);
        this.publish(doc);
      }, delay),
    );
  }

  /** Validates a document now and publishes its diagnostics; returns what was published. */
  publish(doc: vscode.TextDocument): vscode.Diagnostic[] {
    try {
      const svc = this.sync(doc);
      const key = doc.uri.toString();
      if (!svc) {
        this.collection.delete(doc.uri);
        return [];
      }
      const diags = this.visible(svc.documents(key), svc.diagnostics(key), doc.uri).map((d) =>
        toDiagnostic(doc, d),
      );
      if (doc.uri.scheme === RENDERED_SCHEME) this.linkOrigins(doc, diags);
      this.collection.set(doc.uri, diags);
      this.published.fire(doc.uri);
      return diags;
    } catch (e) {
      // A bug in a rule must never take the editor down with it; it is logged once per publish.
      this.deps.log.error(
        `manifest validation failed for ${doc.uri.toString()}: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`,
      );
      return [];
    }
  }

  /**
   * The diagnostics to show: those of recognised documents (unknown kinds stay silent), without
   * the ones Red Hat's YAML extension already raises for the same fault, and none when the user
   * switched validation off.
   */
  visible(
    docs: readonly ParsedDoc[],
    diags: readonly ManifestDiagnostic[],
    uri: vscode.Uri,
  ): ManifestDiagnostic[] {
    if (!this.deps.settings.current.manifests.validate) return [];
    // A chart template helm rendered: the rendered diagnostics (collection podvisor-helm) say it.
    if (this.helm.isRenderedTemplate(uri)) return [];
    const policy = redHatPolicy(uri);
    if (!docs.some((d) => d.kindInfo) && !diags.some((d) => d.embedded)) return [];
    // Documents are in file order: the owner of an offset is the last one starting at or before it.
    const ownerAt = (offset: number): ParsedDoc | undefined => {
      let found: ParsedDoc | undefined;
      for (const d of docs)
        if (d.slice.start <= offset) found = d;
        else break;
      return found;
    };
    return diags.filter((d) => {
      const owner = ownerAt(d.start);
      // Unknown kinds stay silent; syntax errors and the template notice count for the whole file.
      const ours =
        !!owner?.kindInfo || !!d.embedded || d.code.startsWith('yaml.') || d.code === 'template.placeholders';
      return ours && !isDuplicate(policy, d.code, owner?.kindInfo?.family);
    });
  }

  /** Validates a file that is not (necessarily) open, for the workspace command. */
  validateText(uri: vscode.Uri, text: string): { diagnostics: ManifestDiagnostic[]; recognised: boolean } {
    if (!mayHoldManifest(text, uri.path)) return { diagnostics: [], recognised: false };
    const svc = this.engine();
    const key = uri.toString();
    const wasOpen = svc.has(key);
    svc.update(key, text);
    const docs = svc.documents(key);
    const out = {
      diagnostics: this.visible(docs, svc.diagnostics(key), uri),
      recognised: docs.some((d) => d.kindInfo),
    };
    if (!wasOpen) svc.close(key);
    else this.versions.delete(key);
    return out;
  }

  /** Each diagnostic of a rendered document points at the source file its object came from. */
  private linkOrigins(doc: vscode.TextDocument, diags: vscode.Diagnostic[]): void {
    const origins = this.rendered.origins(doc.uri);
    const m = this.engineModule();
    for (const d of diags) {
      const at = doc.offsetAt(d.range.start);
      const o = origins.find((x) => x.start <= at && at < x.end);
      if (!o) continue;
      // The same line in the source when it has it verbatim (a field kustomize did not touch).
      const line = doc.lineAt(d.range.start.line).text.trim();
      const src = m.nodeFiles.read(o.file) ?? '';
      const idx = line ? src.split('\n').findIndex((l) => l.trim() === line) : -1;
      const pos = new vscode.Position(Math.max(0, idx), 0);
      d.relatedInformation = [
        new vscode.DiagnosticRelatedInformation(
          new vscode.Location(vscode.Uri.file(o.file), pos),
          vscode.l10n.t('from {0}', vscode.workspace.asRelativePath(o.file)),
        ),
      ];
    }
  }

  private republish(uris: readonly string[]): void {
    const set = new Set(uris);
    for (const d of vscode.workspace.textDocuments) if (set.has(d.uri.toString())) this.publish(d);
  }

  private republishAll(): void {
    for (const d of vscode.workspace.textDocuments) if (this.service?.has(d.uri.toString())) this.publish(d);
  }

  /** Red Hat's YAML extension came, went, or changed settings: what we leave to it changes. */
  private refreshPolicy(): void {
    const state = JSON.stringify(redHatState(undefined));
    if (state === this.policyState) return;
    const first = this.policyState === undefined;
    this.policyState = state;
    if (!first) this.deps.log.info(`Red Hat YAML extension: ${state}; re-publishing manifest diagnostics`);
    if (this.service) this.republishAll();
  }
  private policyState: string | undefined;

  private forget(uri: vscode.Uri): void {
    const key = uri.toString();
    clearTimeout(this.timers.get(key));
    this.timers.delete(key);
    this.versions.delete(key);
    this.service?.close(key);
    // Problems found by "Validate Workspace" stay for files that are closed again.
    if (!this.workspaceResults.has(key)) this.collection.delete(uri);
  }

  /** Files whose diagnostics came from a workspace validation (kept when their editor closes). */
  readonly workspaceResults = new Set<string>();

  dispose(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    for (const s of this.subs) s.dispose();
  }
}

export { DIAGNOSTIC_SOURCE };
