/**
 * UI tour of the Podvisor-managed VMs: a VM (the fixture guest) in the Workloads view, started
 * from the command palette, its serial console open in a terminal with a command typed into it.
 * Screenshot: test-results/vms-tour-1-console.png. Skipped loudly without Chromium or QEMU.
 * QEMU is started by the extension host inside code-server; `after` kills it by its pidfile.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { Page } from 'playwright-core';
import { VmStore, vmPaths } from '../../src/backends/qemu';
import { ensureGuest, GUEST_PROMPT, type GuestFixture } from '../harness/guest';
import {
  openPodvisorView,
  openWorkbench,
  screenshot,
  whyNoChromium,
  type Workbench,
} from '../harness/workbench';
import { until as waitUntil } from '../harness/until';
import { skipLoudly } from '../harness/skip';
import { whyNo } from '../harness/env';

const NAME = 'tour-vm';

const until = <T>(
  what: string,
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 60_000,
): Promise<T> => waitUntil(what, probe, timeoutMs, 250);

/** Runs a palette command that then asks for a VM in a quick pick, and picks `vm`. */
async function runOnVm(page: Page, title: string, vm: string): Promise<void> {
  const input = page.locator('.quick-input-widget input');
  for (let attempt = 0; ; attempt++) {
    try {
      await page.keyboard.press('Escape');
      await page.keyboard.press('F1');
      await input.waitFor({ timeout: 5_000 });
      await input.fill(`>${title}`);
      await page
        .locator('.quick-input-list .monaco-list-row', { hasText: title })
        .first()
        .waitFor({ timeout: 5_000 });
      await page.keyboard.press('Enter');
      await page
        .locator('.quick-input-list .monaco-list-row', { hasText: vm })
        .first()
        .waitFor({ timeout: 15_000 });
      await page.keyboard.press('Enter');
      await input.waitFor({ state: 'hidden', timeout: 5_000 });
      return;
    } catch (e) {
      if (attempt >= 4)
        throw new Error(`could not run "${title}" on ${vm}: ${(e as Error).message.split('\n')[0]}`, {
          cause: e,
        });
    }
  }
}

describe('UI tour: virtual machines', function () {
  this.timeout(300_000);
  let wb: Workbench | undefined;
  let home: string;
  let guest: GuestFixture;

  before(async function () {
    this.timeout(600_000);
    const why = whyNoChromium();
    const accel = process.env.PODVISOR_TEST_ACCEL;
    if (why) skipLoudly(this, `needs Chromium: ${why}`);
    if (accel !== 'kvm' && accel !== 'tcg') skipLoudly(this, `needs QEMU: ${whyNo('qemu')}`);
    guest = ensureGuest();
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'pv-tour-vms-'));
    const store = new VmStore(home, { accelerator: 'auto', cpuModel: 'auto' });
    await store.create({
      name: NAME,
      memoryMiB: 192,
      source: {
        kind: 'kernel',
        kernel: guest.kernel,
        initrd: guest.initrd,
        cmdline: `${guest.cmdline} pv.disk=/dev/vda`,
        disk: guest.disk,
      },
      forwards: [{ host: 18080 + (process.pid % 1000), guest: 80, proto: 'tcp' }],
    });
    store.dispose();
    wb = await openWorkbench({ ctx: this, userSettings: { 'podvisor.vm.home': home } });
  });

  after(async () => {
    if (home) {
      const p = vmPaths(path.join(home, NAME));
      try {
        const pid = Number(fs.readFileSync(p.pidfile, 'utf8'));
        if (pid > 0 && fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(p.pidfile))
          process.kill(pid, 'SIGKILL');
      } catch {
        /* not running */
      }
    }
    await wb?.close();
    if (home) fs.rmSync(home, { recursive: true, force: true });
  });

  it('shows a running VM with its serial console open', async () => {
    const page = wb!.page;
    await openPodvisorView(page);
    const tree = page.locator('.part.sidebar');
    await tree.locator('.monaco-list-row', { hasText: NAME }).first().waitFor({ timeout: 60_000 });
    await runOnVm(page, 'Podvisor: Start VM', NAME);
    await tree
      .locator('.monaco-list-row', { hasText: /running/ })
      .first()
      .waitFor({ timeout: 60_000 });
    const log = vmPaths(path.join(home, NAME)).serialLog;
    await until(
      'the guest prompt in serial.log',
      () => fs.existsSync(log) && fs.readFileSync(log, 'utf8').includes(GUEST_PROMPT),
      180_000,
    );
    await runOnVm(page, 'Podvisor: Open VM Serial Console', NAME);
    const term = page.locator('.terminal-wrapper .xterm').first();
    await term.waitFor({ timeout: 30_000 });
    await term.click();
    await page.keyboard.type('cat /disk/hello.txt; uname -r\n', { delay: 20 });
    await until(
      'the command output in serial.log',
      () => fs.readFileSync(log, 'utf8').includes(guest.kernelVersion),
      60_000,
    );
    // Expand the VM row to show its details (accelerator, uptime, forwarded port).
    await tree.locator('.monaco-list-row', { hasText: NAME }).first().click();
    await page.waitForTimeout(1500);
    const shot = await screenshot(page, 'vms-tour-1-console');
    console.log(`    ${shot}`);
    assert.ok(fs.statSync(shot).size > 10_000);
  });
});
