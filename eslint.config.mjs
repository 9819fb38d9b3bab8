// ESLint, type-aware (typescript-eslint). Besides the bug-catching rules, the layering of
// CONTRIBUTING.md is written here as rules, so that it is checked on every landing instead of
// remembered: which folders may import `vscode`, who talks to Docker, who starts processes.
import eslint from '@eslint/js';
import { defineConfig } from 'eslint/config';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/** Folders that import nothing from VS Code: they run in the CLI, in tests and in workers too. */
const ENGINES = ['src/backends', 'src/manifests', 'src/sandbox', 'src/common', 'src/cli'];

const VSCODE = {
  name: 'vscode',
  message:
    'Engines (src/backends, manifests, sandbox, common, cli) import nothing from vscode: put VS Code glue in src/host, src/tree, src/commands or src/language.',
};
const DOCKERODE = {
  name: 'dockerode',
  message:
    'Only src/backends/docker/client.ts talks to the Docker API: use its DockerClient (and discovery.ts for the endpoint).',
};
const PROCESS_MODULES = ['execa', 'child_process', 'node:child_process'].map((name) => ({
  name,
  message:
    'Start programs through src/common/process.ts (run/start): argument arrays, the process tree killed on abort, one ProcessError.',
}));

/** The restricted-imports rule for a set of banned modules (type-only imports are banned too). */
const banned = (...paths) => ({
  '@typescript-eslint/no-restricted-imports': ['error', { paths: paths.flat() }],
});

// Files that still break a layering rule while a change moves them, as config entries
// (`{ files: [...], rules: { 'no-restricted-syntax': 'off' } }` with a comment naming who removes
// it). Each is temporary: whoever finishes that move deletes the entry (the lint then proves the
// move done). Empty now: the last one (libvirt's setInterval poll) went with the refresh model.
const PENDING = [];

const CLIENT = 'src/backends/docker/client.ts';
const RUNNER = 'src/common/process.ts';
const engineFiles = ENGINES.map((d) => `${d}/**/*.ts`);

export default defineConfig(
  { ignores: ['dist/**', 'out/**', 'node_modules/**', '.cache/**', 'test-results/**', 'media/**'] },

  // ---- TypeScript: src, test, bench (one program: tsconfig.json) ----
  {
    files: ['**/*.ts'],
    extends: [eslint.configs.recommended, tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      '@typescript-eslint/no-floating-promises': ['error', { ignoreVoid: true }],
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/no-unnecessary-type-assertion': 'error',
      '@typescript-eslint/only-throw-error': 'error',
      // Passing on a caught `unknown` (catch (e) → reject(e)) is re-throwing, not inventing a reason.
      '@typescript-eslint/prefer-promise-reject-errors': ['error', { allowThrowingUnknown: true }],
      '@typescript-eslint/consistent-type-imports': [
        'error',
        // `typeof import('…')` stays allowed: it types a lazy bundle without loading it.
        { prefer: 'type-imports', fixStyle: 'inline-type-imports', disallowTypeAnnotations: false },
      ],
      '@typescript-eslint/no-import-type-side-effects': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' },
      ],
      eqeqeq: ['error', 'always'],
      // A `let` that a closure reads before its one assignment (a store the facade's callback
      // reads, a timer a dispose clears) cannot be const.
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
      // Off, with the reason: an async method that does not await still implements an async
      // interface (a store's refresh, a fake's listImageNames); flagging it finds no bug.
      '@typescript-eslint/require-await': 'off',
      // Off: `interface X { on(e: 'exit', …): this }` merged with `class X extends EventEmitter`
      // is how the QEMU handles type their events; nothing in the interface goes unimplemented.
      '@typescript-eslint/no-unsafe-declaration-merging': 'off',
      // Off: the regexes with control characters are deliberate (names may not contain them,
      // terminal output has ANSI escapes stripped).
      'no-control-regex': 'off',
      // Outside src (tests, benches) `any` is a warning: test doubles and JSON fixtures need it.
      '@typescript-eslint/no-explicit-any': 'warn',
    },
  },
  {
    files: ['src/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'error' },
  },
  // Tests and benches read JSON from the engines and the API server and poke at it: `any` from
  // JSON.parse is their daily bread, and the harness loads built modules and optional tools
  // with require() at run time. In src both stay errors (parse what comes back, then use it).
  {
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-require-imports': 'off',
    },
  },
  // ---- Layering ----
  // Adapters (host, tree, commands, language, extension.ts): no Docker API, no processes.
  { files: ['src/**/*.ts'], rules: banned(DOCKERODE, PROCESS_MODULES) },
  // Engines: additionally no vscode.
  { files: engineFiles, rules: banned(VSCODE, DOCKERODE, PROCESS_MODULES) },
  // The two owners of a boundary.
  { files: [CLIENT], rules: banned(VSCODE, PROCESS_MODULES) },
  { files: [RUNNER], rules: banned(VSCODE, DOCKERODE) },
  // Refreshes come from the backend stores (events, coalesced, a safety poll in the store): no
  // timers that re-render the tree on their own.
  {
    files: ['src/tree/**/*.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector:
            "CallExpression[callee.name='setInterval'], CallExpression[callee.property.name='setInterval']",
          message:
            'No polling in src/tree: the section listens to its backend store, which emits the ids that changed.',
        },
      ],
    },
  },

  // Skips are loud and counted: `this.skip()`, `it.skip`, `describe.skip` only through the
  // harness helper that prints `!!! SKIPPED: reason` (a bare skip would vanish from the output).
  {
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    ignores: ['test/harness/skip.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: "CallExpression[callee.property.name='skip']",
          message:
            "Skip through skipLoudly(this, reason) from test/harness/skip.ts (or a need*() of test/harness/env.ts): it prints '!!! SKIPPED: reason' and mocha counts it.",
        },
      ],
    },
  },

  // ---- Temporary exceptions (see PENDING above) ----
  ...PENDING,

  // ---- Plain JavaScript: scripts and the build (Node, no type information) ----
  {
    files: ['**/*.{mjs,cjs,js}'],
    extends: [eslint.configs.recommended],
    languageOptions: { globals: globals.node },
    rules: {
      'no-unused-vars': ['error', { argsIgnorePattern: '^_', caughtErrors: 'none' }],
      eqeqeq: ['error', 'always'],
    },
  },
);
