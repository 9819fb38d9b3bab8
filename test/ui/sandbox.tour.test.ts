/**
 * UI tour, sandboxes: in the real workbench on a copy of samples/, "Podvisor: Launch Sandbox…"
 * from the command palette shows the isolation levels with what each protects against; picking
 * one (gVisor where runsc is there) ends with the sandbox's terminal open and the Sandboxes
 * group showing it with its badge. Screenshots to test-results/sandbox-tour-*.png.
 */
import * as assert from 'assert';
import { dockerRuntimes, whyNo } from '../harness/env';
import { docker, ensureBusyboxImage } from '../harness/images';
import {
  openPodvisorView,
  openWorkbench,
  screenshot,
  whyNoChromium,
  type Workbench,
} from '../harness/workbench';
import { nameForWorkspace } from '../../src/sandbox/names';
import { skipLoudly } from '../harness/skip';

describe('UI tour: Launch Sandbox and the Sandboxes group', function () {
  this.timeout(240_000);
  let wb: Workbench | undefined;
  let host: string | undefined;
  let name = '';

  before(async function () {
    this.timeout(600_000);
    const why = whyNoChromium();
    host = process.env.PODVISOR_TEST_DOCKER_HOST;
    if (why) skipLoudly(this, `needs Chromium: ${why}`);
    if (!host) skipLoudly(this, `needs docker: ${whyNo('docker')}`);
    ensureBusyboxImage(host);
    wb = await openWorkbench({ ctx: this, log: (s) => console.log(`    ${s}`) });
    name = nameForWorkspace(wb.workspace);
  });

  after(async () => {
    await wb?.close();
    if (host && name) {
      const ids = docker(host, ['ps', '-a', '-q', '--filter', `label=dev.podvisor.sandbox=${name}`]);
      if (ids) docker(host, ['rm', '-f', ...ids.split('\n')]);
    }
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed' && wb)
      console.log(`    failure screenshot: ${await screenshot(wb.page, 'sandbox-tour-failure')}`);
  });

  it('Launch Sandbox… offers the levels, launches, opens the terminal and lists the sandbox', async () => {
    const page = wb!.page;
    await openPodvisorView(page);
    const tree = page.locator('.part.sidebar .monaco-list');
    await tree.locator('.monaco-list-row', { hasText: 'Sandboxes' }).first().waitFor({ timeout: 90_000 });

    const input = page.locator('.quick-input-widget input');
    const gvisor = dockerRuntimes().includes('runsc');
    const pickTitle = gvisor ? 'gVisor (runsc)' : 'Container (runc, hardened)';
    const levelRow = page.locator('.quick-input-list .monaco-list-row', { hasText: pickTitle }).first();
    for (let attempt = 0; ; attempt++) {
      try {
        await page.keyboard.press('Escape');
        await page.keyboard.press('F1');
        await input.waitFor({ timeout: 5_000 });
        await input.fill('>Podvisor: Launch Sandbox');
        await page
          .locator('.quick-input-list .monaco-list-row', { hasText: 'Launch Sandbox' })
          .first()
          .waitFor({ timeout: 5_000 });
        await page.keyboard.press('Enter');
        await levelRow.waitFor({ timeout: 20_000 });
        break;
      } catch (e) {
        if (attempt >= 3) throw e;
      }
    }
    const picks = await page.locator('.quick-input-list').first().innerText();
    assert.match(picks, /Container \(runc, hardened\)/);
    assert.match(picks, /shares the host kernel/);
    assert.match(picks, /Kata Containers/, 'Kata is listed (as not available here, with the reason)');
    console.log(`    ${await screenshot(page, 'sandbox-tour-1-levels')}`);
    await levelRow.click();

    // The terminal opens when the sandbox is ready.
    await page
      .locator('.terminal-tab, .single-terminal-tab, .tabs-container .tab', { hasText: `Sandbox: ${name}` })
      .first()
      .waitFor({ timeout: 120_000 })
      .catch(async () => {
        await page.locator('.panel .terminal-wrapper, .xterm').first().waitFor({ timeout: 30_000 });
      });
    // The Sandboxes row shows the source label; the Containers section lists the same container
    // (pv-sbx-NAME), which must not be mistaken for it.
    const row = tree.locator('.monaco-list-row', { hasText: 'Podvisor sample workspace' }).first();
    await row.waitFor({ timeout: 60_000 });
    const rowText = await row.innerText();
    assert.match(rowText, gvisor ? /gVisor/ : /runc/);
    assert.ok(rowText.startsWith(name), rowText);
    assert.match(
      docker(host!, ['ps', '--filter', `label=dev.podvisor.sandbox=${name}`, '--format', '{{.Status}}']),
      /^Up/,
    );
    await row.hover();
    await page.waitForTimeout(1500);
    console.log(`    ${await screenshot(page, 'sandbox-tour-2-running')}`);
  });
});
