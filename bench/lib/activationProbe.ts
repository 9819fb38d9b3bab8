/**
 * Runs inside the extension host (as extensionTestsPath) for bench/activation.bench.ts, in a
 * window where the installed Podvisor has not been activated yet: times `activate()` as the
 * host performs it (module load + activate), then the cost of loading every lazy bundle
 * (what activation would cost if nothing were lazy). Writes JSON to $PODVISOR_BENCH_RESULT_FILE.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';

export async function run(): Promise<void> {
  const out = process.env.PODVISOR_BENCH_RESULT_FILE;
  try {
    await measure(out);
  } catch (e) {
    if (out) fs.writeFileSync(out, JSON.stringify({ error: (e as Error).stack ?? String(e) }));
    throw e;
  }
}

/** Small built-in extensions with code of their own, for a same-host reference point. */
const REFERENCES = [
  'vscode.npm',
  'vscode.grunt',
  'vscode.gulp',
  'vscode.jake',
  'vscode.configuration-editing',
];

async function measure(out: string | undefined): Promise<void> {
  const ext = vscode.extensions.getExtension('podvisor.podvisor');
  if (!ext) throw new Error('podvisor.podvisor is not installed in this host');
  if (ext.isActive) throw new Error('Podvisor was already active: the measurement would be meaningless');
  const t0 = performance.now();
  await ext.activate();
  const activateMs = performance.now() - t0;
  const lazyDir = path.join(ext.extensionPath, 'dist', 'lazy');
  const lazy: Record<string, number> = {};
  for (const f of fs.existsSync(lazyDir)
    ? fs
        .readdirSync(lazyDir)
        .filter((x) => x.endsWith('.js'))
        .sort()
    : []) {
    const t = performance.now();
    require(path.join(lazyDir, f));
    lazy[f] = performance.now() - t;
  }
  // Reference: activating a small built-in extension that nothing has activated yet, same host.
  let reference: { id: string; ms: number } | undefined;
  const refExt = REFERENCES.map((id) => vscode.extensions.getExtension(id)).find(
    (e) => e && !e.isActive && (e.packageJSON as { main?: string }).main,
  );
  if (refExt) {
    const t = performance.now();
    await refExt.activate();
    reference = { id: refExt.id, ms: performance.now() - t };
  }
  const result = { activateMs, lazy, reference, node: process.version, vscode: vscode.version };
  console.log(`[activation probe] ${JSON.stringify(result)}`);
  if (out) fs.writeFileSync(out, JSON.stringify(result));
}
