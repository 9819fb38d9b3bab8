/**
 * The manifest language in a real editor: corpus and sample files opened in the workbench's
 * extension host, and every feature asked through VS Code's own command API — diagnostics in
 * the Problems model, completion (`vscode.executeCompletionItemProvider`), hover, the outline,
 * quick fixes applied with `workspace.applyEdit`, the CodeLens row, and the commands.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import type { PodvisorTestApi } from '../../src/extension';
import { applyManifestToCluster } from '../../src/commands/manifest/applyToCluster';
import { ManifestCompletionProvider } from '../../src/language/providers';
import { BUSYBOX_IMAGE, ensureBusyboxImage } from '../harness/images';
import { until } from '../harness/until';
import { skipLoudly } from '../harness/skip';

const EXT_ID = 'podvisor.podvisor';
const ROOT = path.resolve(__dirname, '..', '..', '..');
const CORPUS = path.join(ROOT, 'test', 'fixtures', 'manifests', 'corpus', 'kubevirt');

async function api(): Promise<PodvisorTestApi> {
  const ext = vscode.extensions.getExtension<PodvisorTestApi>(EXT_ID);
  assert.ok(ext, `${EXT_ID} is not loaded in this host`);
  return ext.activate();
}

const ours = (uri: vscode.Uri): vscode.Diagnostic[] =>
  vscode.languages.getDiagnostics(uri).filter((d) => d.source === 'podvisor');
/** A diagnostic's code as text (VS Code allows `{ value, target }` as well). */
const codeOf = (d: vscode.Diagnostic): string =>
  typeof d.code === 'object' ? String(d.code.value) : String(d.code);
const codes = (uri: vscode.Uri): string[] => ours(uri).map(codeOf);

function sample(name: string): vscode.Uri {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'the host opened the samples copy as the workspace');
  return vscode.Uri.joinPath(folder.uri, 'manifests', name);
}

async function open(uri: vscode.Uri): Promise<vscode.TextEditor> {
  const doc = await vscode.workspace.openTextDocument(uri);
  return vscode.window.showTextDocument(doc, { preview: false });
}

async function untitled(content: string): Promise<vscode.TextEditor> {
  const doc = await vscode.workspace.openTextDocument({ language: 'yaml', content });
  return vscode.window.showTextDocument(doc, { preview: false });
}

function posOf(doc: vscode.TextDocument, needle: string, delta = 0): vscode.Position {
  const i = doc.getText().indexOf(needle);
  assert.ok(i >= 0, `${needle} in ${doc.uri.toString()}`);
  return doc.positionAt(i + delta);
}

async function completionLabels(
  doc: vscode.TextDocument,
  pos: vscode.Position,
  trigger?: string,
): Promise<{ labels: string[]; items: vscode.CompletionItem[]; ms: number }> {
  const t0 = performance.now();
  const list = await vscode.commands.executeCommand<vscode.CompletionList>(
    'vscode.executeCompletionItemProvider',
    doc.uri,
    pos,
    trigger,
  );
  const ms = performance.now() - t0;
  const labels = list.items.map((i) => (typeof i.label === 'string' ? i.label : i.label.label));
  return { labels, items: list.items, ms };
}

function p95(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(s.length * 0.95))]!;
}

describe('manifest language (in a real extension host)', function () {
  this.timeout(120_000);
  let pv: PodvisorTestApi;

  before(async () => {
    pv = await api();
  });

  after(async () => {
    // Untitled copies were edited: close them without saving.
    for (let i = 0; i < 20 && vscode.window.visibleTextEditors.length; i++)
      await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
  });

  it('diagnoses a corpus file with a removed apiVersion once, and a valid one not at all', async () => {
    const t0 = performance.now();
    const bad = vscode.Uri.file(
      path.join(CORPUS, 'kubevirt__kubevirt__examples__vm-cirros.yaml__at-v0.26.0.yaml'),
    );
    await open(bad);
    const found = await until('diagnostics for the v1alpha3 VM', () => ours(bad).length > 0 && ours(bad));
    console.log(
      `      open → diagnostics: ${(performance.now() - t0).toFixed(0)} ms (engine loaded lazily on the first manifest)`,
    );
    assert.deepEqual(
      found.map((d) => d.code),
      ['api.removed-version'],
      'one clear diagnostic, not a flood',
    );
    assert.match(found[0]!.message, /kubevirt\.io\/v1alpha3.*kubevirt\.io\/v1/);
    const good = vscode.Uri.file(path.join(CORPUS, 'kubevirt__kubevirt__examples__vm-cirros.yaml'));
    await open(good);
    await until('the valid VM to be validated', () =>
      pv.services.manifests.isManifest(
        vscode.workspace.textDocuments.find((d) => d.uri.toString() === good.toString())!,
      ),
    );
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(
      ours(good)
        .filter((d) => d.severity <= vscode.DiagnosticSeverity.Warning)
        .map((d) => `${codeOf(d)} ${d.message}`),
      [],
    );
  });

  it('diagnoses the sample with mistakes, precisely placed', async () => {
    const uri = sample('vm-mistakes.yaml');
    const ed = await open(uri);
    const ds = await until('diagnostics of vm-mistakes.yaml', () => ours(uri).length >= 3 && ours(uri));
    assert.deepEqual(ds.map(codeOf).sort(), [
      'api.removed-version',
      'kubevirt.disk-without-volume',
      'kubevirt.running-deprecated',
    ]);
    const running = ds.find((d) => d.code === 'kubevirt.running-deprecated')!;
    assert.equal(ed.document.getText(running.range), 'running');
    assert.equal(running.severity, vscode.DiagnosticSeverity.Warning);
    assert.ok(running.tags?.includes(vscode.DiagnosticTag.Deprecated));
    const disk = ds.find((d) => d.code === 'kubevirt.disk-without-volume')!;
    assert.match(ed.document.getText(disk.range), /datadisk/);
  });

  it('re-validates after an edit, debounced', async () => {
    const ed = await untitled(
      'apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - name: a\n    image: busybox\n',
    );
    const uri = ed.document.uri;
    await until('the pod to be seen as a manifest', () => pv.services.manifests.isManifest(ed.document));
    assert.deepEqual(codes(uri), []);
    const t0 = performance.now();
    await ed.edit((e) =>
      e.insert(posOf(ed.document, '  containers:'), '  restartPolicy: 7\n  bogusKey: 1\n'),
    );
    const ds = await until('diagnostics after the edit', () => ours(uri).length > 0 && ours(uri));
    const ms = performance.now() - t0;
    console.log(`      edit → diagnostics: ${ms.toFixed(0)} ms (debounce ${200} ms)`);
    assert.ok(ms >= 150, `debounced (${ms.toFixed(0)} ms)`);
    assert.ok(
      ds.some((d) => d.code === 'schema.unknown-key' && ed.document.getText(d.range) === 'bogusKey'),
      ds.map(codeOf).join(','),
    );
  });

  it('completes keys with documentation, required first, in a KubeVirt VM', async () => {
    const ed = await untitled(
      'apiVersion: kubevirt.io/v1\nkind: VirtualMachine\nmetadata:\n  name: vm\nspec:\n  \n',
    );
    const pos = new vscode.Position(5, 2);
    const { labels, items } = await completionLabels(ed.document, pos);
    for (const k of ['runStrategy', 'template', 'dataVolumeTemplates', 'instancetype'])
      assert.ok(labels.includes(k), `${k} in ${labels.join(',')}`);
    const template = items.find((i) => i.label === 'template')!;
    assert.ok(String(template.detail).startsWith('required'), String(template.detail));
    assert.ok(
      template.documentation instanceof vscode.MarkdownString || typeof template.documentation === 'string',
    );
    assert.ok(
      template.insertText instanceof vscode.SnippetString && template.insertText.value === 'template:\n  $0',
    );
    const rs = items.find((i) => i.label === 'runStrategy')!;
    assert.ok(
      rs.insertText instanceof vscode.SnippetString &&
        rs.insertText.value.includes('Always,RerunOnFailure,Manual,Halted,Once,WaitAsReceiver'),
    );
  });

  it('completes runStrategy values and the volume a disk refers to', async () => {
    const ed = await untitled(fs.readFileSync(sample('vm-cloudinit.yaml').fsPath, 'utf8'));
    {
      await ed.edit((e) =>
        e.replace(
          new vscode.Range(
            posOf(ed.document, 'runStrategy: Always', 13),
            posOf(ed.document, 'runStrategy: Always', 19),
          ),
          '',
        ),
      );
      const values = await completionLabels(ed.document, posOf(ed.document, 'runStrategy: ', 13), ' ');
      for (const v of ['Always', 'Halted', 'Manual', 'RerunOnFailure', 'Once'])
        assert.ok(values.labels.includes(v), `${v} in ${values.labels.join(',')}`);
      // A new disk whose name should be a volume no disk uses yet: add one, then name the disk.
      await ed.edit((e) =>
        e.insert(
          posOf(ed.document, '      - name: cloudinitdisk\n        cloudInitNoCloud:'),
          '      - name: scratch\n        emptyDisk:\n          capacity: 1Gi\n',
        ),
      );
      await ed.edit((e) => e.insert(posOf(ed.document, '          interfaces:'), '          - name: \n'));
      const at = posOf(ed.document, '          - name: \n', 18);
      const { items } = await completionLabels(ed.document, at, ' ');
      // Only our reference items: the editor's word-based suggestions list every word of the file.
      const refs = items
        .filter((i) => i.kind === vscode.CompletionItemKind.Reference)
        .map((i) => (typeof i.label === 'string' ? i.label : i.label.label));
      assert.deepEqual(refs, ['scratch'], 'volumes used by other disks are not offered');
    }
  });

  it('completes containerDisk.image with the local images of the container engine', async function () {
    const host = process.env.PODVISOR_TEST_DOCKER_HOST;
    if (!host) skipLoudly(this, 'no test container engine (PODVISOR_TEST_DOCKER_HOST) in this host');
    ensureBusyboxImage(host);
    const ed = await untitled(
      fs
        .readFileSync(sample('vm-cloudinit.yaml').fsPath, 'utf8')
        .replace('image: quay.io/containerdisks/fedora:latest', 'image: '),
    );
    const { items } = await completionLabels(ed.document, posOf(ed.document, '          image: ', 17), ' ');
    const images = items
      .filter((i) => i.kind === vscode.CompletionItemKind.Module)
      .map((i) => (typeof i.label === 'string' ? i.label : i.label.label));
    assert.ok(images.includes(BUSYBOX_IMAGE), `${BUSYBOX_IMAGE} among ${images.join(',')}`);
  });

  it('offers the starter snippets in an empty YAML file', async () => {
    const ed = await untitled('');
    const { labels } = await completionLabels(ed.document, new vscode.Position(0, 0));
    for (const l of [
      'KubeVirt VirtualMachine',
      'KubeVirt VirtualMachineInstance',
      'CDI DataVolume',
      'Sandboxed Pod (gVisor)',
      'Sandboxed Pod (Kata Containers)',
      'RuntimeClass',
    ]) {
      assert.ok(labels.includes(l), `${l} in ${labels.join(',')}`);
    }
  });

  it('completes fast inside a 300-document file', async () => {
    const vm = fs
      .readFileSync(path.join(CORPUS, 'kubevirt__kubevirt__examples__vm-cirros.yaml'), 'utf8')
      .replace(/^---\n/, '');
    const big = Array.from({ length: 300 }, (_, i) => vm.replace(/name: vm-cirros/g, `name: vm-${i}`)).join(
      '---\n',
    );
    const ed = await untitled(big);
    await until('the big file to be validated', () => pv.services.manifests.isManifest(ed.document));
    const lines = ed.document.lineCount;
    const times: number[] = [];
    const engineTimes: number[] = [];
    const svc = pv.services.manifests.sync(ed.document)!;
    const provider = new ManifestCompletionProvider(pv.services.manifests);
    const providerTimes: number[] = [];
    for (let i = 0; i < 40; i++) {
      const line = ed.document.lineAt(Math.floor(((i + 0.5) / 40) * lines));
      const pos = new vscode.Position(line.lineNumber, line.firstNonWhitespaceCharacterIndex);
      times.push((await completionLabels(ed.document, pos)).ms);
      const t0 = performance.now();
      await svc.complete(ed.document.uri.toString(), ed.document.offsetAt(pos));
      engineTimes.push(performance.now() - t0);
      const t1 = performance.now();
      await provider.provideCompletionItems(ed.document, pos);
      providerTimes.push(performance.now() - t1);
    }
    console.log(
      `      ${lines} lines: completion p95 ${p95(engineTimes).toFixed(2)} ms in the engine, ${p95(providerTimes).toFixed(2)} ms in our provider (with vscode objects), ${p95(times).toFixed(1)} ms through executeCompletionItemProvider (every provider incl. the editor's word-based one, + IPC)`,
    );
    const small = await untitled(vm);
    await until('the small file to be validated', () => pv.services.manifests.isManifest(small.document));
    const smallTimes: number[] = [];
    for (let i = 0; i < 20; i++) {
      const line = small.document.lineAt(Math.floor(((i + 0.5) / 20) * small.document.lineCount));
      smallTimes.push(
        (
          await completionLabels(
            small.document,
            new vscode.Position(line.lineNumber, line.firstNonWhitespaceCharacterIndex),
          )
        ).ms,
      );
    }
    console.log(
      `      for comparison, ${small.document.lineCount} lines: ${p95(smallTimes).toFixed(1)} ms p95 through executeCompletionItemProvider`,
    );
    assert.ok(lines > 10_000, `${lines} lines`);
    assert.ok(p95(engineTimes) < p95(times), 'the engine is a fraction of the round trip');
  });

  it('hovers with description, type and allowed values', async () => {
    const ed = await open(sample('vm-cloudinit.yaml'));
    const hovers = await vscode.commands.executeCommand<vscode.Hover[]>(
      'vscode.executeHoverProvider',
      ed.document.uri,
      posOf(ed.document, 'runStrategy', 3),
    );
    const text = hovers
      .flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : 'value' in c ? c.value : '')))
      .join('\n');
    assert.match(text, /\*\*runStrategy\*\*: `string`/);
    assert.match(
      text,
      /Allowed values: `Always`, `RerunOnFailure`, `Manual`, `Halted`, `Once`, `WaitAsReceiver`/,
    );
  });

  it('outlines each document with its disks, interfaces, networks and volumes', async () => {
    const ed = await open(sample('vm-cloudinit.yaml'));
    const syms = await vscode.commands.executeCommand<vscode.DocumentSymbol[]>(
      'vscode.executeDocumentSymbolProvider',
      ed.document.uri,
    );
    const mine = syms.filter((s) => s.name.startsWith('Virtual'));
    assert.deepEqual(
      mine.map((s) => s.name),
      ['VirtualMachine fedora-dev', 'VirtualMachineInstance script-vmi'],
    );
    const disks = mine[0]!.children.find((c) => c.name === 'disks')!;
    assert.deepEqual(
      disks.children.map((c) => c.name),
      ['containerdisk', 'cloudinitdisk'],
    );
    assert.deepEqual(
      mine[1]!.children.map((c) => c.name),
      ['disks', 'volumes'],
    );
  });

  it('applies the quick fixes: running → runStrategy, add the missing volume, upgrade the apiVersion', async () => {
    // On an unsaved copy, so the workspace file stays as it is for the other tests.
    const ed = await untitled(fs.readFileSync(sample('vm-mistakes.yaml').fsPath, 'utf8'));
    const uri = ed.document.uri;
    for (const [code, title] of [
      ['kubevirt.running-deprecated', 'Replace `running: true` with `runStrategy: Always`'],
      ['kubevirt.disk-without-volume', 'Add a containerDisk volume `datadisk`'],
      ['api.removed-version', 'Change apiVersion to `kubevirt.io/v1`'],
    ] as const) {
      const d = await until(`diagnostic ${code}`, () => ours(uri).find((x) => x.code === code));
      const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>(
        'vscode.executeCodeActionProvider',
        uri,
        d.range,
        vscode.CodeActionKind.QuickFix.value,
      );
      const fix = actions.find((a) => a.title === title);
      assert.ok(fix?.edit, `"${title}" among ${actions.map((a) => a.title).join(' | ')}`);
      assert.ok(await vscode.workspace.applyEdit(fix.edit));
      await until(`${code} to go away`, () => !codes(uri).includes(code));
    }
    assert.match(ed.document.getText(), /\n {2}runStrategy: Always\n/);
    assert.match(ed.document.getText(), /- name: datadisk\n\s+containerDisk:/);
    await until(
      'no problems left',
      () => ours(uri).filter((d) => d.severity <= vscode.DiagnosticSeverity.Warning).length === 0,
    );
  });

  it('puts a CodeLens row on each recognised document', async () => {
    const ed = await open(sample('vm-cloudinit.yaml'));
    const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>(
      'vscode.executeCodeLensProvider',
      ed.document.uri,
      10,
    );
    const ourLenses = lenses.filter((l) => l.command?.command.startsWith('podvisor.'));
    assert.deepEqual(
      ourLenses.map((l) => l.command!.command),
      [
        'podvisor.manifest.validate',
        'podvisor.sandbox.runManifest',
        'podvisor.manifest.applyToCluster',
        'podvisor.manifest.validate',
        'podvisor.sandbox.runManifest',
        'podvisor.manifest.applyToCluster',
      ],
    );
    const docLines = ed.document
      .getText()
      .split('\n')
      .flatMap((l, i) => (l.startsWith('apiVersion:') ? [i] : []));
    assert.deepEqual(
      ourLenses.map((l) => l.range.start.line).filter((x, i, a) => a.indexOf(x) === i),
      docLines,
      'on the first line of each document',
    );
    const args = ourLenses[3]!.command!.arguments! as unknown[];
    assert.equal((args[0] as vscode.Uri).toString(), ed.document.uri.toString());
    assert.equal(args[1], 1);
    // The lens's own command works with those arguments.
    const r = await vscode.commands.executeCommand<{ errors: number; warnings: number }>(
      'podvisor.manifest.validate',
      ...args,
    );
    assert.deepEqual(r, { errors: 0, warnings: 0, others: 0 });
  });

  it('"Apply to cluster" stops with a clear error when there is no cluster', async () => {
    const uri = sample('sandboxed-pods.yaml');
    await open(uri);
    await assert.rejects(
      Promise.resolve(applyManifestToCluster.execute(pv.services, uri, 1)),
      (e: Error & { code?: string }) => {
        console.log(`      ${e.message}`);
        return (
          e.code === 'PODVISOR_USER_ERROR' &&
          /kubectl not found on PATH|No Kubernetes cluster context/.test(e.message)
        );
      },
    );
    // Through the command wrapper it is shown, not thrown.
    assert.equal(await vscode.commands.executeCommand('podvisor.manifest.applyToCluster', uri, 1), undefined);
  });

  it('validates the whole workspace into the Problems panel, RuntimeClass names included', async () => {
    const r = await vscode.commands.executeCommand<{
      files: number;
      manifests: number;
      errors: number;
      warnings: number;
    }>('podvisor.manifest.validateWorkspace');
    assert.ok(r.manifests >= 4, JSON.stringify(r));
    assert.ok(r.errors >= 2, `vm-mistakes.yaml has errors: ${JSON.stringify(r)}`);
    assert.deepEqual(
      codes(sample('vm-mistakes.yaml')).sort(),
      ['api.removed-version', 'kubevirt.disk-without-volume', 'kubevirt.running-deprecated'],
      'closed files keep their problems',
    );
    assert.deepEqual(codes(sample('sandboxed-pods.yaml')), []);
    // RuntimeClass objects in other workspace files are known to the checker and to completion.
    await until('RuntimeClass names from the workspace', () =>
      pv.services.manifests.runtimeClasses.names().includes('gvisor'),
    );
    const ed = await untitled(
      'apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  runtimeClassName: \n  containers:\n  - name: a\n    image: busybox\n',
    );
    const { labels } = await completionLabels(ed.document, new vscode.Position(5, 20), ' ');
    assert.equal(labels[0] === 'gvisor' || labels.includes('gvisor'), true, labels.join(','));
  });

  it('keeps the RuntimeClass names current as workspace files come and go (file watcher)', async () => {
    const idx = pv.services.manifests.runtimeClasses;
    await idx.start();
    const file = vscode.Uri.joinPath(
      vscode.workspace.workspaceFolders![0]!.uri,
      'manifests',
      'runtimeclass-kata-test.yaml',
    );
    await vscode.workspace.fs.writeFile(
      file,
      new TextEncoder().encode(
        'apiVersion: node.k8s.io/v1\nkind: RuntimeClass\nmetadata:\n  name: kata-watch-test\nhandler: kata\n',
      ),
    );
    await until('the new RuntimeClass to be indexed', () => idx.names().includes('kata-watch-test'));
    // A pod naming it in another (unsaved) file is accepted; before, it would be unknown.
    const ed = await untitled(
      'apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  runtimeClassName: kata-watch-test\n  containers:\n  - name: a\n    image: busybox\n',
    );
    await until('the pod to be validated', () => pv.services.manifests.isManifest(ed.document));
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(codes(ed.document.uri), []);
    await vscode.workspace.fs.delete(file);
    await until(
      'the deleted RuntimeClass to leave the index',
      () => !idx.names().includes('kata-watch-test'),
    );
    await until('the pod to be re-checked', () => codes(ed.document.uri).includes('runtime.unknown-class'));
  });
});
