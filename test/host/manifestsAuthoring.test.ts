/**
 * Kustomize and Helm in a real editor: a kustomize tree and a chart copied into the workspace;
 * the kustomization's missing path and a base file's role (fragment) seen in the Problems model,
 * Preview Kustomize Build (real kubectl) shown read-only with diagnostics linked to the source,
 * and a chart rendered by real helm with the diagnostic on the template line.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import type { PodvisorTestApi } from '../../src/extension';
import { locateHelm, locateKubectl } from '../../src/manifests/helm/locate';
import { until } from '../harness/until';
import { previewKustomizeBuild } from '../../src/commands/kustomize/preview';
import { skipLoudly } from '../harness/skip';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const FIX = path.join(ROOT, 'test', 'fixtures');

const ours = (uri: vscode.Uri): vscode.Diagnostic[] =>
  vscode.languages.getDiagnostics(uri).filter((d) => d.source === 'podvisor');

describe('kustomize and Helm authoring (in a real extension host)', function () {
  this.timeout(120_000);
  let pv: PodvisorTestApi;
  let work: string;

  before(async () => {
    const ext = vscode.extensions.getExtension<PodvisorTestApi>('podvisor.podvisor');
    assert.ok(ext);
    pv = await ext.activate();
    const folder = vscode.workspace.workspaceFolders?.[0];
    assert.ok(folder, 'a workspace folder');
    work = path.join(folder.uri.fsPath, 'authoring-' + process.pid);
    fs.cpSync(path.join(FIX, 'kustomize', 'app'), path.join(work, 'app'), { recursive: true });
    fs.cpSync(path.join(FIX, 'helm', 'web'), path.join(work, 'web'), { recursive: true });
  });

  after(async () => {
    for (let i = 0; i < 10 && vscode.window.visibleTextEditors.length; i++)
      await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
    fs.rmSync(work, { recursive: true, force: true });
  });

  it('a kustomization: a missing path is an error on it; its listed files are fragments', async () => {
    const k = vscode.Uri.file(path.join(work, 'app', 'overlays', 'prod', 'kustomization.yaml'));
    const doc = await vscode.workspace.openTextDocument(k);
    const ed = await vscode.window.showTextDocument(doc, { preview: false });
    const at = doc.getText().indexOf('replicas.yaml');
    assert.ok(at >= 0);
    await ed.edit((e) =>
      e.replace(new vscode.Range(doc.positionAt(at), doc.positionAt(at + 13)), 'replica.yaml'),
    );
    const d = await until('the missing path', () => ours(k).find((x) => x.code === 'kustomize.missing-path'));
    assert.equal(doc.getText(d.range), 'replica.yaml');
    assert.equal(d.severity, vscode.DiagnosticSeverity.Error);
    // The base names an image (WEB_IMAGE) only the overlay's images: rewrites: no error there.
    const base = vscode.Uri.file(path.join(work, 'app', 'base', 'deployment.yaml'));
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(base), { preview: false });
    await until('the base to be validated', () =>
      pv.services.manifests.isManifest(
        vscode.workspace.textDocuments.find((x) => x.uri.fsPath === base.fsPath)!,
      ),
    );
    await new Promise((r) => setTimeout(r, 500));
    assert.deepEqual(
      ours(base).map((x) => x.message),
      [],
    );
  });

  it('Preview Kustomize Build: read-only, validated, diagnostics linked to the source file', async function () {
    if (!locateKubectl())
      return skipLoudly(this, 'needs kubectl (PATH or node scripts/tools.mjs build kubernetes)');
    const dir = path.join(work, 'app', 'overlays', 'prod');
    // The kustomization as in the fixture (the test before edited it in the editor).
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
    fs.copyFileSync(
      path.join(FIX, 'kustomize', 'app', 'overlays', 'prod', 'kustomization.yaml'),
      path.join(dir, 'kustomization.yaml'),
    );
    fs.writeFileSync(
      path.join(dir, 'replicas.yaml'),
      fs
        .readFileSync(path.join(dir, 'replicas.yaml'), 'utf8')
        .replace('replicas: 3', 'replicas: 3\n  minReadySecondz: 5'),
    );
    // The command itself (the palette's wrapper would swallow an error into a notification).
    const doc = (await previewKustomizeBuild.execute(
      pv.services,
      vscode.Uri.file(path.join(dir, 'kustomization.yaml')),
    )) as vscode.TextDocument;
    assert.equal(doc.uri.scheme, 'podvisor-rendered');
    assert.match(doc.getText(), /name: prod-web/);
    assert.doesNotMatch(doc.getText(), /config\.kubernetes\.io\/origin/);
    const d = await until('a diagnostic in the build', () =>
      ours(doc.uri).find((x) => x.code === 'schema.unknown-key'),
    );
    assert.equal(doc.getText(d.range), 'minReadySecondz');
    const rel = d.relatedInformation?.[0];
    assert.ok(rel, 'linked to its source');
    assert.equal(rel.location.uri.fsPath, path.join(work, 'app', 'base', 'deployment.yaml'));
  });

  it('a Helm chart rendered by helm: the diagnostic is on the template line it came from', async function () {
    if (!locateHelm()) return skipLoudly(this, 'needs helm (PATH or node scripts/tools.mjs build helm)');
    const tpl = path.join(work, 'web', 'templates', 'deployment.yaml');
    fs.writeFileSync(
      tpl,
      fs.readFileSync(tpl, 'utf8').replace('containerPort: 80', 'containerPort: 80\n          hostPot: 8080'),
    );
    const uri = vscode.Uri.file(tpl);
    const doc = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(doc, { preview: false });
    const d = await until('the rendered diagnostic on the template', () =>
      vscode.languages.getDiagnostics(uri).find((x) => x.code === 'schema.unknown-key'),
    );
    assert.equal(doc.getText(d.range), 'hostPot');
    // The raw template's "checks limited" notice gives way to the rendered checks.
    assert.ok(!vscode.languages.getDiagnostics(uri).some((x) => x.code === 'template.placeholders'));
  });
});
