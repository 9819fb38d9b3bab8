/**
 * The cloud-init injection grammar, tokenized for real with vscode-textmate + Oniguruma (the
 * engine VS Code uses) on top of VS Code's YAML and shell grammars (npm tm-grammars), and on
 * top of the YAML grammar of the code-server build the host tests use (skipped loudly, and
 * counted, where that build is not installed).
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vsctm from 'vscode-textmate';
import * as onig from 'vscode-oniguruma';
import { CODE_SERVER_VERSION, codeServerDir, installedCodeServer } from '../../harness/codeServer';
import { skipLoudly } from '../../harness/skip';

const root = findRoot(__dirname);
const INJECTION = 'podvisor.cloudinit-userdata.injection';
const BLOCK_INJECTION = 'podvisor.cloudinit-userdata-block.injection';

function findRoot(from: string): string {
  let d = from;
  while (!fs.existsSync(path.join(d, 'syntaxes', 'cloudinit-userdata.injection.json'))) {
    const up = path.dirname(d);
    if (up === d) throw new Error('repo root not found');
    d = up;
  }
  return d;
}

let onigReady: Promise<vsctm.IOnigLib> | undefined;
function onigLib(): Promise<vsctm.IOnigLib> {
  onigReady ??= (async () => {
    const wasm = fs.readFileSync(path.join(root, 'node_modules/vscode-oniguruma/release/onig.wasm'));
    await onig.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength));
    return {
      createOnigScanner: (p: string[]) => new onig.OnigScanner(p),
      createOnigString: (s: string) => new onig.OnigString(s),
    };
  })();
  return onigReady;
}

async function yamlGrammar(yamlFile: string): Promise<vsctm.IGrammar> {
  const files: Record<string, string> = {
    'source.yaml': yamlFile,
    'source.shell': path.join(root, 'node_modules/tm-grammars/grammars/shellscript.json'),
    [INJECTION]: path.join(root, 'syntaxes/cloudinit-userdata.injection.json'),
    [BLOCK_INJECTION]: path.join(root, 'syntaxes/cloudinit-userdata-block.injection.json'),
  };
  // VS Code's own YAML grammar is split by YAML version into sibling files.
  for (const v of ['1.0', '1.1', '1.2', '1.3'])
    files[`source.yaml.${v}`] = path.join(path.dirname(yamlFile), `yaml-${v}.tmLanguage.json`);
  files['source.yaml.embedded'] = path.join(path.dirname(yamlFile), 'yaml-embedded.tmLanguage.json');
  const registry = new vsctm.Registry({
    onigLib: onigLib(),
    loadGrammar: async (scope) => {
      const f = files[scope];
      if (!f || !fs.existsSync(f)) return null;
      return vsctm.parseRawGrammar(fs.readFileSync(f, 'utf8'), f);
    },
    getInjections: (scope) => (scope === 'source.yaml' ? [INJECTION, BLOCK_INJECTION] : undefined),
  });
  const g = await registry.loadGrammar('source.yaml');
  assert.ok(g, 'YAML grammar loaded');
  return g;
}

/** Each line's tokens as `text → innermost scopes`. */
function tokenize(
  g: vsctm.IGrammar,
  text: string,
): { line: string; tokens: { text: string; scopes: string[] }[] }[] {
  let stack = vsctm.INITIAL;
  return text.split('\n').map((line) => {
    const r = g.tokenizeLine(line, stack);
    stack = r.ruleStack;
    return {
      line,
      tokens: r.tokens.map((t) => ({ text: line.slice(t.startIndex, t.endIndex), scopes: t.scopes })),
    };
  });
}

function scopesOf(lines: ReturnType<typeof tokenize>, lineText: RegExp, tokenText: string): string[] {
  const l = lines.find((x) => lineText.test(x.line));
  assert.ok(l, `line ${lineText} present`);
  const at = l.line.indexOf(tokenText);
  let pos = 0;
  const t = l.tokens.find((x) => {
    const hit = at >= pos && at < pos + x.text.length;
    pos += x.text.length;
    return hit;
  });
  assert.ok(
    t,
    `token ${tokenText} on ${JSON.stringify(l.line)}: ${JSON.stringify(l.tokens.map((x) => x.text))}`,
  );
  return t.scopes;
}

/** The suite for one YAML grammar; `file` may skip it (loudly, counted) when the grammar is absent. */
function checks(label: string, file: (ctx: Mocha.Context) => string): void {
  describe(`cloud-init userData injection grammar (${label})`, () => {
    let lines: ReturnType<typeof tokenize>;
    before(async function () {
      const g = await yamlGrammar(file(this));
      lines = tokenize(g, fs.readFileSync(path.join(root, 'samples/manifests/vm-cloudinit.yaml'), 'utf8'));
    });

    it('marks #cloud-config user data as embedded YAML', () => {
      const s = scopesOf(lines, /^\s+password: changeme/, 'password');
      assert.ok(s.includes('meta.embedded.block.cloud-config'), s.join(' '));
      assert.ok(
        s.some((x) => x.startsWith('entity.name.tag')),
        `a YAML key inside the block: ${s.join(' ')}`,
      );
    });

    it('marks the #cloud-config header itself', () => {
      const s = scopesOf(lines, /#cloud-config/, '#cloud-config');
      assert.ok(
        s.some((x) => x.includes('cloud-config')),
        s.join(' '),
      );
    });

    it('marks #! user data as embedded shell', () => {
      const s = scopesOf(lines, /^\s+if \[ -f/, 'if');
      assert.ok(s.includes('meta.embedded.block.shellscript'), s.join(' '));
      assert.ok(
        s.some((x) => x.startsWith('keyword.control')),
        `shell keyword: ${s.join(' ')}`,
      );
    });

    it('ends the embedded block at the next less-indented key', () => {
      const s = scopesOf(lines, /^ {2}- name: notes/, 'notes');
      assert.ok(!s.some((x) => x.startsWith('meta.embedded')), s.join(' '));
      const after = scopesOf(lines, /^ {6}capacity: 1Gi/, 'capacity');
      assert.ok(!after.some((x) => x.startsWith('meta.embedded')), after.join(' '));
    });

    it('leaves keys outside user data alone', () => {
      const s = scopesOf(lines, /^ {2}runStrategy: Always/, 'runStrategy');
      assert.ok(!s.some((x) => x.startsWith('meta.embedded')), s.join(' '));
    });
  });
}

checks('tm-grammars YAML', () => path.join(root, 'node_modules/tm-grammars/grammars/yaml.json'));

// VS Code's current YAML grammar (a different, newer one), from the code-server build the host
// layer installs. Always registered: where code-server is not installed yet its cases are
// skipped loudly and counted, never left out. `npm test` installs code-server before this layer.
checks(`VS Code YAML grammar of code-server ${CODE_SERVER_VERSION}`, (ctx) => {
  const install = installedCodeServer(root);
  const f = install
    ? path.join(
        path.dirname(install.entry),
        '..',
        '..',
        'lib/vscode/extensions/yaml/syntaxes/yaml.tmLanguage.json',
      )
    : undefined;
  if (!f || !fs.existsSync(f))
    skipLoudly(
      ctx,
      install
        ? `code-server at ${install.dir} has no YAML grammar (${f ?? '?'})`
        : `code-server ${CODE_SERVER_VERSION} is not installed in ${codeServerDir(root)} (npm test installs it first; or run the host layer once)`,
    );
  return f;
});
