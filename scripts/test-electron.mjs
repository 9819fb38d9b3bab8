#!/usr/bin/env node
// `npm run test:electron`: the same in-host suites (out/test/host/index.js → run()) under
// @vscode/test-electron, i.e. a desktop VS Code, for machines that can download one from
// Microsoft (this repo's CI can't: `npm test` runs them in code-server instead). State and the
// download cache stay under .cache/ (never $HOME).
//   VSCODE_EXECUTABLE=/path/to/code   use an installed desktop VS Code instead of downloading
//   VSCODE_VERSION=1.90.0             which version to download (default: stable)
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname.replace(/\/$/, '');
const require = createRequire(import.meta.url);
const { runTests, downloadAndUnzipVSCode } = require('@vscode/test-electron');
const testsPath = join(root, 'out', 'test', 'host', 'index.js');
if (!existsSync(testsPath)) {
  console.error(`${testsPath} is missing: run \`npm run build\` first (npm run test:electron does).`);
  process.exit(1);
}
const state = mkdtempSync(join(tmpdir(), 'podvisor-electron-'));
const workspace = join(state, 'samples');
cpSync(join(root, 'samples'), workspace, { recursive: true });
mkdirSync(join(workspace, '.vscode'), { recursive: true });
const settings = {
  'podvisor.log.level': 'debug',
  ...(process.env.PODVISOR_TEST_DOCKER_HOST
    ? { 'podvisor.docker.host': process.env.PODVISOR_TEST_DOCKER_HOST }
    : {}),
};
writeFileSync(join(workspace, '.vscode', 'settings.json'), JSON.stringify(settings, null, 2));
const cachePath = join(root, '.cache', 'vscode-test');
const resultFile = join(state, 'result.json');

let exitCode = 1;
try {
  let vscodeExecutablePath = process.env.VSCODE_EXECUTABLE;
  if (!vscodeExecutablePath) {
    try {
      vscodeExecutablePath = await downloadAndUnzipVSCode({
        version: process.env.VSCODE_VERSION ?? 'stable',
        cachePath,
        timeout: 30_000,
      });
    } catch (e) {
      console.error(
        [
          '',
          '!!! test:electron could not get a desktop VS Code:',
          `    ${String(e?.message ?? e).split('\n')[0]}`,
          '    @vscode/test-electron downloads it from update.code.visualstudio.com, which this machine cannot reach.',
          '    The same suites run inside code-server with `npm test` (or `node scripts/test-all.mjs --only host`).',
          '    Elsewhere: run this with internet access, or set VSCODE_EXECUTABLE=/path/to/code.',
          '',
        ].join('\n'),
      );
      rmSync(state, { recursive: true, force: true });
      process.exit(2);
    }
  }
  await runTests({
    vscodeExecutablePath,
    extensionDevelopmentPath: root,
    extensionTestsPath: testsPath,
    extensionTestsEnv: { ...process.env, EXT_TEST_RESULT_FILE: resultFile },
    launchArgs: [
      workspace,
      '--disable-workspace-trust',
      '--skip-welcome',
      '--skip-release-notes',
      '--user-data-dir',
      join(state, 'ud'),
      '--extensions-dir',
      join(state, 'ext'),
      '--disable-gpu',
    ],
  });
  exitCode = 0;
} catch (e) {
  console.error(`test:electron: ${e?.message ?? e}`);
} finally {
  if (existsSync(resultFile))
    console.log(`result: ${require('node:fs').readFileSync(resultFile, 'utf8').trim()}`);
  rmSync(state, { recursive: true, force: true });
}
process.exit(exitCode);
