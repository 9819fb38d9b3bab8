import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { needCompose, needDocker } from '../../harness/env';
import { docker, dockerCli, ensureBusyboxImage } from '../../harness/images';
import {
  Compose,
  projectOfLabels,
  resolveComposeCli,
  type ComposeEnv,
} from '../../../src/backends/docker/compose';
import { isCancelled } from '../../../src/common/errors';
import { processRunner } from '../../../src/common/process';

const LOOP = `["sh", "-c", "trap 'exit 0' TERM; while true; do echo tick-$$HOSTNAME; sleep 1; done"]`;

function composeFile(img: string): string {
  return [
    'services:',
    '  web:',
    `    image: ${img}`,
    `    command: ${LOOP}`,
    '  worker:',
    `    image: ${img}`,
    `    command: ${LOOP}`,
    '  debug:',
    `    image: ${img}`,
    `    command: ${LOOP}`,
    '    profiles: [debug]',
    '',
  ].join('\n');
}

for (const flavor of ['v2', 'v1'] as const) {
  describe(`Compose projects with the real CLI (${flavor === 'v2' ? 'docker compose' : 'docker-compose 1.29'})`, function () {
    this.timeout(240_000);
    let host: string;
    let img: string;
    let compose: Compose;
    let dir: string;
    const name = `pvc${flavor}${process.pid}`;
    const ps = (extra: string[] = []) =>
      docker(host, [
        'ps',
        ...extra,
        '--filter',
        `label=com.docker.compose.project=${name}`,
        '--format',
        '{{.Names}} {{.State}}',
      ])
        .split('\n')
        .filter(Boolean)
        .sort();
    const project = () => ({ name, files: [path.join(dir, 'compose.yaml')] });

    before(async function () {
      host = needDocker(this);
      const { dockerConfig } = needCompose(this, flavor);
      img = ensureBusyboxImage(host);
      dir = fs.mkdtempSync(path.join(os.tmpdir(), `pv-compose-${flavor}-`));
      fs.writeFileSync(path.join(dir, 'compose.yaml'), composeFile(img));
      const env: ComposeEnv = {
        runner: processRunner,
        engine: { host },
        dockerPath: dockerCli,
        env: { DOCKER_CONFIG: dockerConfig },
      };
      const cli = await resolveComposeCli(env, flavor === 'v2' ? 'docker compose' : 'docker-compose');
      compose = new Compose(cli, env);
    });
    after(async function () {
      if (!compose) return;
      await compose.down(project()).catch(() => undefined);
      fs.rmSync(dir, { recursive: true, force: true });
    });

    it('up (all services, not the profile-only one) starts them on the engine, output streamed', async function () {
      const lines: string[] = [];
      await compose.up(project(), { hadContainers: false, onLine: (l) => lines.push(l) });
      const list = ps();
      assert.strictEqual(list.length, 2, list.join('; '));
      assert.ok(list.every((l) => / running$/.test(l)));
      assert.ok(list.some((l) => l.includes('web')) && list.some((l) => l.includes('worker')));
      assert.ok(lines.length > 0, 'progress lines');
      const labels = JSON.parse(
        docker(host, ['inspect', '-f', '{{json .Config.Labels}}', list[0]!.split(' ')[0]!]),
      ) as Record<string, string>;
      const p = projectOfLabels(labels);
      assert.strictEqual(p?.name, name);
      assert.ok(p?.files?.[0]?.endsWith('compose.yaml'), JSON.stringify(p));
    });

    it('up of a chosen service with its profile starts just that one', async function () {
      await compose.up(project(), { services: ['debug'], profiles: ['debug'], hadContainers: true });
      assert.strictEqual(ps().length, 3);
      assert.ok(ps().some((l) => l.includes('debug') && l.endsWith('running')));
    });

    it('stop and restart of one service, and logs of one service', async function () {
      await compose.stop(project(), { services: ['worker'] });
      const stopped = ps(['-a']).filter((l) => l.includes('worker'));
      assert.ok(stopped[0]?.endsWith('exited'), stopped.join());
      assert.ok(ps().every((l) => !l.includes('worker')));
      await compose.restart(project(), { services: ['worker'] });
      assert.ok(ps().some((l) => l.includes('worker') && l.endsWith('running')));
      const h = compose.logs(project(), { services: ['web'], tail: 5 });
      let out = '';
      h.stdout?.setEncoding('utf8').on('data', (d: string) => (out += d));
      const t0 = Date.now();
      while (!/tick-/.test(out) && Date.now() - t0 < 20_000) await new Promise((r) => setTimeout(r, 100));
      await h.stop();
      assert.match(out, /web.*tick-/);
      assert.doesNotMatch(out, /worker/);
    });

    it('down removes every container and the network', async function () {
      await compose.down(project());
      assert.deepStrictEqual(ps(['-a']), []);
      assert.strictEqual(
        docker(host, ['network', 'ls', '-q', '--filter', `label=com.docker.compose.project=${name}`]),
        '',
      );
    });

    it('a compose file with an error: one clear message, nothing started', async function () {
      const bad = path.join(dir, 'bad.yaml');
      fs.writeFileSync(
        bad,
        `services:\n  web:\n    image: ${img}\n    ports: "not a list"\n    restart: sometimes\n`,
      );
      await assert.rejects(compose.up({ name, files: [bad] }, { hadContainers: false }), (e: Error) => {
        assert.match(
          e.message,
          /^docker[ -]compose config failed \(exit \d+\): .*(ports|restart|invalid|must be)/is,
        );
        return true;
      });
      assert.deepStrictEqual(ps(['-a']), []);
    });

    it('an up that fails half-way (a service whose image cannot be had) is taken down again', async function () {
      const half = path.join(dir, 'half.yaml');
      fs.writeFileSync(
        half,
        composeFile(img) + `  broken:\n    image: 127.0.0.1:9/pv/none:1\n    depends_on: [web]\n`,
      );
      await assert.rejects(compose.up({ name, files: [half] }, { hadContainers: false }), /up failed/);
      assert.deepStrictEqual(ps(['-a']), [], 'no half-started project');
    });

    it('cancelling an up stops the CLI and leaves nothing started', async function () {
      const slow = path.join(dir, 'slow');
      fs.mkdirSync(slow, { recursive: true });
      fs.writeFileSync(path.join(slow, 'Dockerfile'), `FROM ${img}\nRUN sleep 60\n`);
      fs.writeFileSync(
        path.join(dir, 'slow.yaml'),
        `services:\n  slow:\n    build: ./slow\n    image: pvc-slow-${name}:1\n`,
      );
      const ac = new AbortController();
      const up = compose.up(
        { name, files: [path.join(dir, 'slow.yaml')] },
        { hadContainers: false, build: true, signal: ac.signal },
      );
      await new Promise((r) => setTimeout(r, 2500));
      const t0 = Date.now();
      ac.abort();
      await assert.rejects(up, (e: unknown) => isCancelled(e));
      assert.ok(Date.now() - t0 < 30_000);
      assert.deepStrictEqual(ps(['-a']), []);
      assert.throws(() => docker(host, ['image', 'inspect', `pvc-slow-${name}:1`]), /No such image/);
    });
  });
}
