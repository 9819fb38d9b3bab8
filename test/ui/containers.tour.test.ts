/**
 * UI tour, containers: the Workloads view in the real workbench lists containers of the test
 * engine (a runc one and, where runsc is there, a gVisor one) with their badges; screenshot to
 * test-results/containers-tour-*.png.
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
import { skipLoudly } from '../harness/skip';

describe('UI tour: containers in the Workloads view', function () {
  this.timeout(180_000);
  let wb: Workbench | undefined;
  let host: string | undefined;
  const names = [`web-${process.pid}`, `sandboxed-${process.pid}`] as const;

  before(async function () {
    this.timeout(600_000);
    const why = whyNoChromium();
    host = process.env.PODVISOR_TEST_DOCKER_HOST;
    if (why) skipLoudly(this, `needs Chromium: ${why}`);
    if (!host) skipLoudly(this, `needs docker: ${whyNo('docker')}`);
    const img = ensureBusyboxImage(host);
    docker(host, [
      'run',
      '-d',
      '--name',
      names[0],
      '--label',
      'com.docker.compose.project=shop',
      '-p',
      '127.0.0.1::80',
      img,
      'sh',
      '-c',
      'trap "exit 0" TERM; sleep 3600 & wait',
    ]);
    if (dockerRuntimes().includes('runsc')) {
      docker(host, [
        'run',
        '-d',
        '--runtime=runsc',
        '--name',
        names[1],
        '--label',
        'com.docker.compose.project=shop',
        img,
        'sh',
        '-c',
        'trap "exit 0" TERM; sleep 3600 & wait',
      ]);
    }
    wb = await openWorkbench({ ctx: this, log: (s) => console.log(`    ${s}`) });
  });

  after(async () => {
    await wb?.close();
    if (host) for (const n of names) docker(host, ['rm', '-f', n]).toString();
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed' && wb)
      console.log(`    failure screenshot: ${await screenshot(wb.page, 'containers-tour-failure')}`);
  });

  it('shows the containers with state, image and isolation badge', async () => {
    const page = wb!.page;
    await openPodvisorView(page);
    const tree = page.locator('.part.sidebar .monaco-list');
    await tree.locator('.monaco-list-row', { hasText: names[0] }).first().waitFor({ timeout: 90_000 });
    await tree.locator('.monaco-list-row', { hasText: '[container]' }).first().waitFor({ timeout: 30_000 });
    const text = await page.locator('.part.sidebar').first().innerText();
    assert.match(text, /Containers/);
    assert.match(text, /shop/);
    if (dockerRuntimes().includes('runsc')) assert.match(text, /gVisor sandbox/);
    // Widen the side bar so descriptions (image, status, ports, badge) are readable in the shot.
    const sash = page.locator('.monaco-sash.vertical').first();
    const box = await sash.boundingBox().catch(() => null);
    if (box) {
      await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
      await page.mouse.down();
      await page.mouse.move(box.x + 420, box.y + box.height / 2, { steps: 5 });
      await page.mouse.up();
    }
    await tree.locator('.monaco-list-row', { hasText: names[0] }).first().hover();
    await page.waitForTimeout(1500); // the Markdown tooltip
    console.log(`    ${await screenshot(page, 'containers-tour-1-tree')}`);
  });
});
