#!/usr/bin/env node
// A long-lived private Docker engine for development: `node scripts/dev-engine.mjs start|stop`.
// Prints the environment to export so `npm run test:integration` reuses it instead of starting one.
import { createRequire } from 'node:module';
import { spawnSync } from 'node:child_process';
const require = createRequire(import.meta.url);
const root = new URL('..', import.meta.url).pathname;
const dir = '/tmp/podvisor-dev-engine';
const cmd = process.argv[2] ?? 'start';
spawnSync(process.execPath, ['esbuild.mjs'], { cwd: root, stdio: 'ignore' });
const { startPrivateDockerd, stopByPidfile } = require(`${root}out/test/harness/dockerd.js`);
if (cmd === 'stop') {
  stopByPidfile(`${dir}/dockerd.pid`);
  console.log('stopped');
} else {
  const d = await startPrivateDockerd(dir, { bridge: 'pvdev0', cidr: '10.232.0.1/24' });
  console.log(
    `export PODVISOR_TEST_DOCKER_HOST=${d.host} PODVISOR_TEST_RUNTIMES=${d.runtimes.join(',')}  # dockerd pid ${d.pid}`,
  );
  process.exit(0);
}
