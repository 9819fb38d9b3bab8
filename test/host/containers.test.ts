/**
 * Containers in a real extension host: the harness points `podvisor.docker.host` at the private
 * test engine (workspace settings from test/harness/workbench.ts). The view lists a real
 * container, a palette command (with its picker) stops one, and the time from `docker stop` to
 * the changed tree item reaching the real view is printed.
 */
import * as assert from 'assert';
import * as vscode from 'vscode';
import type { PodvisorTestApi } from '../../src/extension';
import type { ContainersSection } from '../../src/tree/containers/section';
import { docker, dockerCli, ensureBusyboxImage } from '../harness/images';
import { execFile } from 'child_process';
import { until } from '../harness/until';
import { at } from '../harness/pick';
import { skipLoudly } from '../harness/skip';
import { whyNo } from '../harness/env';

describe('containers (in a real extension host)', function () {
  this.timeout(120_000);
  let host: string;
  let pv: PodvisorTestApi;
  let section: ContainersSection;
  // Sorts first in the picker ('0' before letters), so the test can accept the first item.
  const NAME = `0pv-host-${process.pid}`;
  // `wait` returns as soon as the trapped TERM arrives: the container stops in milliseconds
  // (a shell as PID 1 would otherwise ignore TERM and be killed after the 10 s grace).
  const LOOP = ['sh', '-c', 'trap "exit 0" TERM; sleep 3600 & wait'];
  const numbers: Record<string, string> = {};
  let id: string;

  before(async function () {
    const h = process.env.PODVISOR_TEST_DOCKER_HOST;
    if (!h) skipLoudly(this, `needs docker: ${whyNo('docker')}`);
    host = h;
    const img = ensureBusyboxImage(host);
    id = docker(host, ['run', '-d', '--name', NAME, img, ...LOOP]);
    pv = await vscode.extensions.getExtension<PodvisorTestApi>('podvisor.podvisor')!.activate();
    section = pv.services.containers;
    assert.strictEqual(
      vscode.workspace.getConfiguration('podvisor.docker').get('host'),
      host,
      'the harness points the setting at the test engine',
    );
    await vscode.commands.executeCommand('workbench.view.extension.podvisor');
    await until('the Workloads view is visible', () => pv.services.tree.view.visible);
  });

  after(function () {
    console.log('    containers in-host numbers:');
    for (const [k, v] of Object.entries(numbers)) console.log(`      ${k.padEnd(48)} ${v}`);
    if (host) docker(host, ['rm', '-f', NAME]);
  });

  it('the view lists the real container, running, with its image and isolation', async () => {
    const t0 = performance.now();
    // The node exists once the real view asked for the children of its group.
    const node = await until('the container row in the view', () => section.nodeOf(id));
    numbers['view lists the container'] = `${(performance.now() - t0).toFixed(0)} ms`;
    const item = node.getTreeItem();
    assert.strictEqual(item.label, NAME);
    assert.strictEqual(item.contextValue, 'container.running');
    assert.match(String(item.description), /podvisor-test\/busybox:1 · up/);
    await until(
      'the runtime badge',
      () => /\[container\]/.test(String(section.nodeOf(id)!.getTreeItem().description)),
      5000,
    );
    assert.match(String(section.endpointText()), new RegExp(host.replace(/[/.]/g, '\\$&')));
  });

  it('a palette command with its picker stops it', async () => {
    const running = vscode.commands.executeCommand('podvisor.container.stop');
    // The picker lists running containers by name; ours sorts first.
    await new Promise((r) => setTimeout(r, 800));
    await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
    await running;
    assert.strictEqual(docker(host, ['inspect', '-f', '{{.State.Status}}', id]), 'exited');
    await until(
      'stopped in the tree',
      () => section.nodeOf(id)?.getTreeItem().contextValue === 'container.stopped',
      3000,
    );
  });

  it('(c) docker stop → the changed item reaches the real view', async () => {
    const samples: number[] = [];
    const eventAt: number[] = [];
    for (let i = 0; i < 3; i++) {
      await vscode.commands.executeCommand('podvisor.container.start', id);
      await until(
        'running in the tree',
        () => section.nodeOf(id)?.getTreeItem().contextValue === 'container.running',
        5000,
        5,
      );
      await new Promise((r) => setTimeout(r, 200));
      const t0 = performance.now();
      const offStore = section.store!.onChange((ch) => {
        if (
          ch.cause === 'event' &&
          ch.eventAt !== undefined &&
          ch.ids !== 'all' &&
          ch.ids.includes(id) &&
          section.store!.containers.get(id)?.state === 'stopped'
        ) {
          eventAt.push(ch.eventAt - t0);
          offStore();
        }
      });
      // Resolves when the tree fires the change the view renders from, and the item it reads then is stopped.
      const seen = new Promise<number>((resolve) => {
        const sub = pv.services.tree.onDidChangeTreeData(() => {
          const n = section.nodeOf(id);
          if (n && n.getTreeItem().contextValue === 'container.stopped') {
            sub.dispose();
            resolve(performance.now() - t0);
          }
        });
      });
      const stop = new Promise<void>((res, rej) =>
        execFile(
          dockerCli,
          ['stop', id],
          { env: { ...process.env, DOCKER_HOST: host } },
          (e) => (e ? rej(new Error(e.message, { cause: e })) : res()), // ExecFileException is an Error whose type Omit<>s lost it
        ),
      );
      samples.push(await seen);
      await stop;
    }
    const med = at(
      [...samples].sort((a, b) => a - b),
      1,
    );
    numbers['(c) docker stop → tree item (median of 3)'] =
      `${med.toFixed(0)} ms (${samples.map((s) => s.toFixed(0)).join(', ')})`;
    numbers['   of which: docker stop → engine event received'] = eventAt
      .map((s) => `${s.toFixed(0)} ms`)
      .join(', ');
    assert.ok(med < 2000, `median ${med} ms`);
  });

  it('an engine that is not there shows a "not reachable" node with Retry and Select Docker context…, and recovers', async () => {
    const cfg = () => vscode.workspace.getConfiguration('podvisor.docker');
    const bogus = `unix:///tmp/pv-no-engine-${process.pid}.sock`;
    await cfg().update('host', bogus, vscode.ConfigurationTarget.Workspace);
    try {
      const node = await until(
        'the not-reachable node',
        async () => section.roots().find((n) => n.id === 'docker:unreachable'),
        10_000,
      ).catch(async (e: Error) => {
        throw new Error(
          `${e.message}; endpoint ${section.endpointText()}, status ${JSON.stringify(section.store?.status)}, roots ${section
            .roots()
            .map((n) => n.id)
            .join(',')}, setting ${String(cfg().get('host'))}`,
        );
      });
      const item = await node.getTreeItem();
      assert.match(typeof item.label === 'string' ? item.label : (item.label?.label ?? ''), /not reachable/);
      assert.match(String(item.description), new RegExp(bogus.replace(/[/.]/g, '\\$&')));
      assert.strictEqual(item.contextValue, 'docker.unreachable');
      const actions = await Promise.all(
        (await node.getChildren()).map(async (c) => (await c.getTreeItem()).command?.command),
      );
      assert.deepStrictEqual(actions, ['podvisor.docker.retry', 'podvisor.docker.selectContext']);
      await vscode.commands.executeCommand('podvisor.docker.retry'); // still down: no error thrown, still the node
      assert.ok(section.roots().some((n) => n.id === 'docker:unreachable'));
    } finally {
      await cfg().update('host', host, vscode.ConfigurationTarget.Workspace);
    }
    await until(
      'containers back after the setting is restored',
      () =>
        section.nodeOf(id) ?? (section.store?.status.kind === 'ready' && section.store.containers.has(id)),
      10_000,
    );
  });

  it('inspect opens a read-only JSON document of the container', async () => {
    const doc = await vscode.commands.executeCommand<vscode.TextDocument>('podvisor.container.inspect', id);
    assert.strictEqual(doc.languageId, 'json');
    assert.strictEqual((JSON.parse(doc.getText()) as { Id: string }).Id, id);
    assert.strictEqual(doc.uri.scheme, 'podvisor-docker');
  });
});
