/**
 * A Helm chart rendered with `helm template` (Helm's own engine: no reimplementation of Go
 * templates here) and cut into the documents it produced, each with the template it came from
 * (Helm's `# Source:` comments). A failed render becomes errors on the template Helm names, at
 * the line (and column) it gives. No `vscode`: the editor and the CLI both call this.
 */
import * as path from 'path';
import { ProcessError, processRunner, type Runner } from '../../common/process';
import type { FileFacts } from '../files';

export interface RenderedDoc {
  /** Template path relative to the chart's parent (`web/templates/deployment.yaml`). */
  source: string;
  /** The template's local path. */
  file: string;
  /** The document's text (without the `---` and `# Source:` lines). */
  text: string;
}

export interface TemplateError {
  file: string;
  /** 1-based; 0 when Helm names no line. */
  line: number;
  column: number;
  message: string;
}

export interface ChartRender {
  docs: RenderedDoc[];
  errors: TemplateError[];
  /** Milliseconds `helm template` took. */
  ms: number;
}

/** The chart folder (with Chart.yaml) a file belongs to, if any (nearest one up). */
export function chartRootOf(files: FileFacts, file: string): string | undefined {
  let d = path.dirname(file);
  for (let i = 0; i < 12; i++) {
    if (files.stat(path.join(d, 'Chart.yaml')) === 'file') return d;
    const up = path.dirname(d);
    if (up === d) break;
    d = up;
  }
  return undefined;
}

/** Is this file a chart's template (under `<chart>/templates/`)? */
export function isTemplateOf(chartDir: string, file: string): boolean {
  const rel = path.relative(path.join(chartDir, 'templates'), file);
  return !!rel && !rel.startsWith('..') && !path.isAbsolute(rel);
}

/** `# Source: web/templates/x.yaml` → local path (subcharts: `web/charts/db/templates/y.yaml`). */
function sourceFile(chartDir: string, source: string): string {
  const i = source.indexOf('/');
  return path.join(chartDir, i >= 0 ? source.slice(i + 1) : source);
}

/** Cuts `helm template` output into documents by their `# Source:` comments. */
export function splitRendered(chartDir: string, out: string): RenderedDoc[] {
  const docs: RenderedDoc[] = [];
  const parts = out.split(/^---[ \t]*$/m);
  for (const part of parts) {
    const m = /^[ \t]*# Source: (.+)$/m.exec(part);
    if (!m) continue;
    const source = m[1]!.trim();
    const text = part.slice(m.index + m[0].length).replace(/^\r?\n/, '');
    if (!text.trim()) continue;
    docs.push({ source, file: sourceFile(chartDir, source), text });
  }
  return docs;
}

/**
 * Helm's error text → errors on the templates it names. Helm 3 and 4 word them differently:
 *   template: web/templates/x.yaml:12:20: executing "…" at <.Values.a.b>: nil pointer …   (3)
 *   web/templates/x.yaml:10:20\n  executing "…" at <.Values.a.b>:\n    nil pointer …     (4)
 *   parse error at (web/templates/x.yaml:5): unexpected "}" in operand
 *   YAML parse error on web/templates/x.yaml: error converting YAML to JSON: yaml: line 7: …
 */
export function parseHelmErrors(chartDir: string, stderr: string): TemplateError[] {
  const out: TemplateError[] = [];
  const lines = stderr.replace(/^Error: /gm, '').split('\n');
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!;
    let m = /(?:^|template: )([^\s:()]+\/templates\/[^\s:()]+):(\d+)(?::(\d+))?:?\s*(.*)$/.exec(l);
    if (m && !/^parse error at/.test(l)) {
      const more: string[] = [];
      while (i + 1 < lines.length && /^\s+\S/.test(lines[i + 1]!)) more.push(lines[++i]!.trim());
      const message = [m[4]!.trim(), ...more].filter(Boolean).join(' ').replace(/\s+/g, ' ');
      out.push({
        file: sourceFile(chartDir, m[1]!),
        line: Number(m[2]),
        column: Number(m[3] ?? 0),
        message: message || 'template error',
      });
      continue;
    }
    m = /parse error at \(([^\s:)]+):(\d+)\):\s*(.*)$/.exec(l);
    if (m) {
      out.push({
        file: sourceFile(chartDir, m[1]!),
        line: Number(m[2]),
        column: 0,
        message: `parse error: ${m[3]!.trim()}`,
      });
      continue;
    }
    m = /YAML parse error on ([^\s:]+):\s*(.*)$/.exec(l);
    if (m)
      out.push({
        file: sourceFile(chartDir, m[1]!),
        line: 0,
        column: 0,
        message: `the rendered YAML does not parse: ${m[2]!.trim()}`,
      });
  }
  const text = stderr.replace(/^Error: /gm, '').trim();
  if (!out.length && text)
    out.push({ file: path.join(chartDir, 'Chart.yaml'), line: 0, column: 0, message: text.split('\n')[0]! });
  return out;
}

export interface RenderOptions {
  helm: string;
  chartDir: string;
  /** Extra values files (`-f`), after the chart's own values.yaml. */
  valuesFiles?: readonly string[];
  runner?: Runner;
  signal?: AbortSignal;
  timeoutMs?: number;
}

/** `helm template` of a chart; template errors are returned, a missing helm throws (ProcessError). */
export async function renderChart(o: RenderOptions): Promise<ChartRender> {
  const args = ['template', 'release-name', o.chartDir];
  for (const f of o.valuesFiles ?? []) args.push('-f', f);
  const t0 = performance.now();
  const r = await (o.runner ?? processRunner).run(
    {
      command: o.helm,
      args,
      label: 'helm template',
      hint: 'set podvisor.helm.path to your helm binary',
      okExitCodes: 'any',
      timeoutMs: o.timeoutMs ?? 60_000,
      // No repository or cache access of the user's: rendering is local.
      env: { HELM_NO_PLUGINS: '1' },
    },
    o.signal,
  );
  const ms = performance.now() - t0;
  if (r.exitCode !== 0) return { docs: [], errors: parseHelmErrors(o.chartDir, r.stderr), ms };
  return { docs: splitRendered(o.chartDir, r.stdout), errors: [], ms };
}

export { ProcessError };
