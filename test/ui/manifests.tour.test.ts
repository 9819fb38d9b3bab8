/**
 * UI tour of the manifest language: the Problems panel on a KubeVirt VM with mistakes, and
 * completion on a KubeVirt VM, in the real workbench (Chromium), with screenshots under
 * test-results/ (manifests-*.png). Skipped loudly without Chromium.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import type { Page } from 'playwright-core';
import { runCommand, screenshot, useWorkbench } from '../harness/workbench';

/** Opens a workspace file through Quick Open and waits for its editor tab. */
async function quickOpen(page: Page, name: string): Promise<void> {
  const input = page.locator('.quick-input-widget input');
  for (let attempt = 0; ; attempt++) {
    try {
      await page.keyboard.press('Escape');
      await page.keyboard.press('Control+P');
      await input.waitFor({ timeout: 5_000 });
      await input.fill(name);
      await page
        .locator('.quick-input-list .monaco-list-row', { hasText: name })
        .first()
        .waitFor({ timeout: 10_000 });
      await page.keyboard.press('Enter');
      await page.locator('.tabs-container .tab', { hasText: name }).first().waitFor({ timeout: 10_000 });
      return;
    } catch (e) {
      if (attempt >= 5) throw e;
    }
  }
}

/** Puts the cursor at the end of a 1-based line (Go to Line). */
async function gotoLineEnd(page: Page, line: number): Promise<void> {
  await page.locator('.monaco-editor .view-lines').first().click();
  await page.keyboard.press('Control+G');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ timeout: 5_000 });
  await input.fill(`:${line}`);
  await page.keyboard.press('Enter');
  await input.waitFor({ state: 'hidden', timeout: 5_000 });
  await page.waitForTimeout(200);
  await page.keyboard.press('End');
}

function lineOf(file: string, text: string): number {
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  const i = lines.findIndex((l) => l === text);
  assert.ok(i >= 0, `${text} in ${file}`);
  return i + 1;
}

describe('UI tour: manifests', function () {
  this.timeout(240_000);
  const workbench = useWorkbench('manifests');

  it('shows the mistakes of a KubeVirt VM in the Problems panel', async () => {
    const page = workbench().page;
    await quickOpen(page, 'vm-mistakes.yaml');
    await runCommand(page, 'Problems: Focus on Problems View');
    const panel = page.locator('.markers-panel');
    await panel.locator('.monaco-list-row', { hasText: 'runStrategy' }).first().waitFor({ timeout: 60_000 });
    const text = await panel.innerText();
    assert.match(text, /spec\.running.*deprecated/);
    assert.match(text, /Disk `datadisk` has no volume/);
    assert.match(text, /kubevirt\.io\/v1alpha3.*no longer served/);
    // Squiggles in the editor too.
    await page
      .locator('.monaco-editor .squiggly-error, .monaco-editor .squiggly-warning')
      .first()
      .waitFor({ state: 'attached', timeout: 30_000 });
    console.log(`    ${await screenshot(page, 'manifests-1-problems')}`);
  });

  it('completes keys of a KubeVirt VM with their documentation', async () => {
    const page = workbench().page;
    const file = path.join(workbench().workspace, 'manifests', 'vm-cloudinit.yaml');
    await quickOpen(page, 'vm-cloudinit.yaml');
    await gotoLineEnd(page, lineOf(file, '        devices:'));
    await page.keyboard.press('Enter');
    await page.waitForTimeout(200);
    // Indent under `devices:` ourselves: whether Enter indents after a colon depends on the VS Code version.
    await page.keyboard.press('Home');
    await page.keyboard.press('Shift+End');
    await page.keyboard.type('          au');
    await page.keyboard.press('Control+Space');
    const suggest = page.locator('.suggest-widget');
    await suggest
      .locator('.monaco-list-row', { hasText: 'autoattachGraphicsDevice' })
      .first()
      .waitFor({ timeout: 30_000 });
    // Open the details pane (documentation from the schema) when it is not shown already.
    if (
      !(await page
        .locator('.suggest-details-container .docs, .suggest-details .docs')
        .first()
        .isVisible()
        .catch(() => false))
    ) {
      await page.keyboard.press('Control+Space');
    }
    await page.waitForTimeout(500);
    console.log(`    ${await screenshot(page, 'manifests-2-completion')}`);
    const rows = await suggest.locator('.monaco-list-row').allInnerTexts();
    assert.ok(
      rows.some((r) => r.includes('autoattachPodInterface')),
      rows.join(' | '),
    );
    await page.keyboard.press('Escape');
  });

  it('highlights cloud-init user data as YAML (injection grammar, seen by the token inspector)', async () => {
    const page = workbench().page;
    const file = path.join(workbench().workspace, 'manifests', 'vm-cloudinit.yaml');
    // Back to the file as saved (the previous step typed into it).
    await runCommand(page, 'File: Revert File');
    await gotoLineEnd(page, lineOf(file, '            password: changeme'));
    await page.keyboard.press('Home');
    await page.keyboard.press('ArrowRight');
    await runCommand(page, 'Developer: Inspect Editor Tokens and Scopes');
    const widget = page.locator('.token-inspect-widget');
    await widget.waitFor({ timeout: 30_000 });
    await widget.locator('text=meta.embedded.block.cloud-config').first().waitFor({ timeout: 30_000 });
    const text = await widget.innerText();
    assert.match(text, /meta\.embedded\.block\.cloud-config/);
    assert.match(text, /entity\.name\.tag/, 'the key inside user data is a YAML key');
    assert.match(text, /^password\b/m, 'inspected the line asked for');
    console.log(`    ${await screenshot(page, 'manifests-4-cloudinit-scopes')}`);
    await page.keyboard.press('Escape');
  });

  it('completes runStrategy values', async () => {
    const page = workbench().page;
    const file = path.join(workbench().workspace, 'manifests', 'vm-cloudinit.yaml');
    await gotoLineEnd(page, lineOf(file, '  runStrategy: Always'));
    for (let i = 0; i < 'Always'.length; i++) await page.keyboard.press('Backspace');
    await page.keyboard.press('Control+Space');
    const suggest = page.locator('.suggest-widget');
    await suggest
      .locator('.monaco-list-row', { hasText: 'RerunOnFailure' })
      .first()
      .waitFor({ timeout: 30_000 });
    console.log(`    ${await screenshot(page, 'manifests-3-runstrategy')}`);
    await page.keyboard.press('Escape');
  });
});
