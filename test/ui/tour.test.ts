/**
 * The UI tour: the real workbench in Debian's Chromium with Podvisor on a copy of samples/.
 * Clicks the Podvisor activity-bar icon, runs Podvisor commands from the command palette,
 * and saves screenshots under test-results/ (tour-*.png). Skipped loudly without Chromium.
 * Your own tour: copy this file to test/ui/<feature>.tour.test.ts and use the helpers of
 * test/harness/workbench.ts.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { openPodvisorView, resultsDir, runCommand, screenshot, useWorkbench } from '../harness/workbench';

describe('UI tour: Podvisor in the workbench', function () {
  this.timeout(180_000);
  const workbench = useWorkbench('tour');

  it('the Podvisor activity-bar icon opens the Workloads view', async () => {
    const page = workbench().page;
    await openPodvisorView(page);
    const title = await page.locator('.part.sidebar .composite.title').first().innerText();
    assert.match(title, /Podvisor/i);
    assert.match(await page.locator('.part.sidebar').first().innerText(), /Workloads/i);
    // The view's first load: rows (sections) or the welcome content, whichever the features give.
    await page
      .locator('.part.sidebar .monaco-list-row, .part.sidebar .welcome-view-content')
      .first()
      .waitFor({ timeout: 30_000 });
    await page.waitForTimeout(500);
    console.log(`    ${await screenshot(page, 'tour-1-podvisor-view')}`);
  });

  it('"Podvisor: Refresh" runs from the command palette', async () => {
    const page = workbench().page;
    await runCommand(page, 'Podvisor: Refresh');
    // A command that failed would leave an error toast; Refresh on a healthy install must not.
    await page.waitForTimeout(1_000);
    const errors = await page.locator('.notifications-toasts .notification-toast .codicon-error').count();
    assert.strictEqual(errors, 0, 'an error notification appeared after Refresh');
    console.log(`    ${await screenshot(page, 'tour-2-after-refresh')}`);
  });

  it('"Podvisor: Show Log" shows the Podvisor log channel in the Output panel', async () => {
    const page = workbench().page;
    await runCommand(page, 'Podvisor: Show Log');
    // The Output view's channel picker names the channel shown.
    const picker = page
      .locator('.part.panel .monaco-select-box, .part.panel select')
      .filter({ hasText: 'Podvisor' })
      .first();
    await picker.waitFor({ timeout: 60_000 });
    assert.strictEqual(
      (
        await picker.evaluate((el) => (el as unknown as { value?: string }).value ?? el.textContent)
      )?.includes('Podvisor'),
      true,
    );
    // …and it has log lines (the first ones may have scrolled away: only visible lines render).
    await page
      .locator('.part.panel .view-line', { hasText: /\[(info|warning|error|debug|trace)\]/ })
      .first()
      .waitFor({ timeout: 30_000 });
    console.log(`    ${await screenshot(page, 'tour-3-log')}`);
  });

  it('a sample manifest opens from Quick Open', async () => {
    const page = workbench().page;
    await page.keyboard.press('Escape');
    await page.keyboard.press('Control+P');
    const input = page.locator('.quick-input-widget input');
    await input.waitFor();
    await input.fill('kubevirt-vm.yaml');
    await page
      .locator('.quick-input-list .monaco-list-row', { hasText: 'kubevirt-vm.yaml' })
      .first()
      .waitFor({ timeout: 30_000 });
    await page.keyboard.press('Enter');
    await page.locator('.tab', { hasText: 'kubevirt-vm.yaml' }).first().waitFor({ timeout: 30_000 });
    await page
      .locator('.monaco-editor .view-lines', { hasText: 'VirtualMachine' })
      .first()
      .waitFor({ timeout: 30_000 });
    const shot = await screenshot(page, 'tour-4-manifest');
    console.log(`    ${shot}`);
    // PODVISOR_UPDATE_SCREENSHOTS=1: refresh the README's picture from this run.
    if (process.env.PODVISOR_UPDATE_SCREENSHOTS === '1') {
      const dest = path.join(path.dirname(resultsDir), 'docs', 'screenshots', 'workloads.png');
      fs.mkdirSync(path.dirname(dest), { recursive: true });
      fs.copyFileSync(shot, dest);
    }
  });
});
