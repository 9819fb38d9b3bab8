/**
 * `kubectl kustomize` of a folder, with where each output object came from. kustomize records
 * origins only when the kustomization asks (`buildMetadata: [originAnnotations]`), so the build
 * goes through a one-line wrapper kustomization in a temporary folder that includes the user's
 * folder and asks for them; the annotations are read and taken out of the output again.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { processRunner, type Runner } from '../../common/process';
import { UserError } from '../../common/errors';
import { parseDocument, isMap, isScalar } from '../yamlFns';
import { splitDocuments } from '../documents';

export interface BuildOrigin {
  /** Offsets of the object's document in the output text. */
  start: number;
  end: number;
  /** The file it came from (a resource file, or the kustomization of a generator). */
  file: string;
}

export interface KustomizeBuild {
  text: string;
  origins: BuildOrigin[];
  ms: number;
}

const ORIGIN = 'config.kubernetes.io/origin';

export async function kustomizeBuild(o: {
  kubectl: string;
  dir: string;
  runner?: Runner;
  signal?: AbortSignal;
}): Promise<KustomizeBuild> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'podvisor-kustomize-'));
  try {
    const rel = path.relative(tmp, o.dir);
    fs.writeFileSync(
      path.join(tmp, 'kustomization.yaml'),
      `resources:\n- ${JSON.stringify(rel)}\nbuildMetadata: [originAnnotations]\n`,
    );
    const t0 = performance.now();
    const r = await (o.runner ?? processRunner).run(
      {
        command: o.kubectl,
        args: ['kustomize', tmp, '--load-restrictor', 'LoadRestrictionsNone'],
        label: 'kubectl kustomize',
        hint: 'kubectl (with kustomize built in) is needed for the preview',
        okExitCodes: 'any',
        timeoutMs: 120_000,
      },
      o.signal,
    );
    const ms = performance.now() - t0;
    if (r.exitCode !== 0)
      throw new UserError(
        `kubectl kustomize ${o.dir} failed: ${
          r.stderr
            .replace(/^Error: /, '')
            .trim()
            .split('\n')[0] ?? ''
        }`,
        r.stderr,
      );
    return { ...stripOrigins(r.stdout, tmp), ms };
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

/** kustomize's own reason from kubectl's stderr (klog lines and the `err=<` wrapper left out). */
export function reason(stderr: string): string {
  const lines = stderr
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !/^[EWI]\d{4} /.test(l) && l !== '>');
  const err = lines.find((l) => /^error:/i.test(l)) ?? lines[0] ?? 'no reason given';
  return err.replace(/^error:\s*/i, '');
}

/** Takes the origin annotations out of a build's output, recording them per document. */
export function stripOrigins(out: string, root: string): { text: string; origins: BuildOrigin[] } {
  const parts: string[] = [];
  const files: (string | undefined)[] = [];
  for (const s of splitDocuments(out)) {
    const body = s.text.replace(/^---[^\n]*\n/, '');
    if (!body.trim()) continue;
    const doc = parseDocument(body, { keepSourceTokens: false, prettyErrors: false });
    const ann = doc.getIn(['metadata', 'annotations'], true);
    let file: string | undefined;
    if (isMap(ann)) {
      const o = ann.get(ORIGIN, true);
      if (isScalar(o) && typeof o.value === 'string') {
        const m = /^(?:path|configuredIn):\s*(.+)$/m.exec(o.value);
        if (m) file = path.resolve(root, m[1]!.trim());
        ann.delete(ORIGIN);
        if (!ann.items.length) doc.deleteIn(['metadata', 'annotations']);
      }
    }
    parts.push(file ? doc.toString({ lineWidth: 0 }) : body);
    files.push(file);
  }
  let text = '';
  const origins: BuildOrigin[] = [];
  parts.forEach((p, i) => {
    if (i) text += '---\n';
    const start = text.length;
    text += p.endsWith('\n') ? p : p + '\n';
    const f = files[i];
    if (f) origins.push({ start, end: text.length, file: f });
  });
  return { text, origins };
}
