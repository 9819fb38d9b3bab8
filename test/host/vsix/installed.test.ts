/**
 * Runs in a host where Podvisor was installed from the .vsix (`code-server --install-extension`)
 * and the extension under development is only a stand-in: asserts that the Podvisor running is
 * the installed package (under the extensions dir, production bundle), not the source tree.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import type { PodvisorApi } from '../../../src/extension';

const EXT_ID = 'podvisor.podvisor';
const repoRoot = path.resolve(__dirname, '..', '..', '..', '..');

describe('the packaged .vsix, installed into code-server', function () {
  this.timeout(120_000);

  it('Podvisor is loaded from the extensions dir, not from the source tree', () => {
    const extDir = process.env.PODVISOR_VSIX_EXTENSIONS_DIR;
    assert.ok(extDir, 'the harness did not say where the .vsix was installed');
    const ext = vscode.extensions.getExtension(EXT_ID);
    assert.ok(ext, `${EXT_ID} is not installed in this host`);
    const real = fs.realpathSync(ext.extensionPath);
    assert.ok(real.startsWith(fs.realpathSync(extDir) + path.sep), `${real} is not under ${extDir}`);
    assert.ok(!real.startsWith(repoRoot + path.sep), `${real} is inside the repo`);
    assert.strictEqual(ext.extensionKind, vscode.ExtensionKind.Workspace);
  });

  it('activates from the package, in production mode, with a production bundle', async () => {
    const ext = vscode.extensions.getExtension<PodvisorApi>(EXT_ID)!;
    const api = await ext.activate();
    assert.strictEqual(ext.isActive, true);
    // The small public API only: the internal Services are handed out in Test/Development mode.
    assert.strictEqual(api.apiVersion, 1);
    assert.deepStrictEqual(Object.keys(api).sort(), ['apiVersion', 'onDidChangeWorkloads', 'refresh']);
    const bundle = path.join(ext.extensionPath, 'dist', 'extension.js');
    assert.ok(fs.existsSync(bundle), 'dist/extension.js missing from the package');
    assert.ok(!fs.existsSync(`${bundle}.map`), 'the package carries a source map: not the production build');
    // .vscodeignore keeps sources, tests and node_modules out of the package.
    for (const p of ['src', 'test', 'out', 'node_modules', 'tsconfig.json'])
      assert.ok(!fs.existsSync(path.join(ext.extensionPath, p)), `the package contains ${p}`);
    const cmds = await vscode.commands.getCommands(true);
    for (const c of (ext.packageJSON as { contributes: { commands: Array<{ command: string }> } }).contributes
      .commands)
      assert.ok(cmds.includes(c.command), `${c.command} not registered`);
  });

  it('the installed Refresh command runs', async () => {
    await vscode.commands.executeCommand('workbench.view.extension.podvisor');
    await vscode.commands.executeCommand('podvisor.workloads.refresh');
  });

  it('the stand-in development extension is the only one from outside the extensions dir', () => {
    const probe = vscode.extensions.all.find((e) => e.id === 'podvisor-test.vsix-probe');
    assert.ok(
      probe,
      'the stand-in development extension is not loaded: tests would not be running in development mode',
    );
  });
});
