/**
 * Apply from the editor: every document of a file is sent as a server-side apply (field manager
 * `podvisor`, `fieldValidation=Strict`), first as a dry run whose result is diffed against the live
 * object, then for real. The API server's errors are mapped back to the lines of the document
 * (and the field) they belong to. Documents go in parallel over one keep-alive connection pool.
 */
import { stringify } from 'yaml';
import { UserError } from '../../common/errors';
import { splitDocuments } from '../../manifests/documents';
import { getIn, pairOf, parseSlice, type ParsedDoc } from '../../manifests/parse';
import { isKubeApiError } from './errors';
import type { KubeHttp } from './http';
import { mappedPath, restMapping } from './discovery';
import { checkName } from './actions';

export const FIELD_MANAGER = 'podvisor';

export interface ApplyDoc {
  /** Index of the document in the file. */
  readonly index: number;
  readonly apiVersion: string;
  readonly kind: string;
  readonly name: string;
  /** '' for cluster-scoped kinds (decided by discovery when sent). */
  readonly namespace: string;
  readonly object: Record<string, unknown>;
  readonly parsed: ParsedDoc;
}

/** A problem to show on the document: file offsets [start, end). */
export interface ApplyProblem {
  readonly docIndex: number;
  readonly start: number;
  readonly end: number;
  readonly message: string;
}

export interface DocResult {
  readonly doc: ApplyDoc;
  /** The live object as YAML ('' when it does not exist yet). */
  readonly live: string;
  /** The server's answer (dry run: what the object would become) as YAML. */
  readonly result: string;
  readonly changed: boolean;
}

export interface Conflict {
  readonly doc: ApplyDoc;
  readonly message: string;
}

export interface ApplyOutcome {
  readonly results: DocResult[];
  readonly problems: ApplyProblem[];
  /** Field-manager conflicts (409): apply again with force to take the fields over. */
  readonly conflicts: Conflict[];
}

/** Parses a file for apply: documents with apiVersion, kind and metadata.name; the rest are problems. */
export function parseForApply(
  text: string,
  defaultNamespace: string,
): { docs: ApplyDoc[]; problems: ApplyProblem[] } {
  const docs: ApplyDoc[] = [];
  const problems: ApplyProblem[] = [];
  for (const slice of splitDocuments(text)) {
    const parsed = parseSlice(slice);
    if (parsed.empty) continue;
    const at = (message: string) =>
      problems.push({
        docIndex: slice.index,
        start: slice.start,
        end: Math.min(slice.end, slice.start + firstLineLength(slice.text)),
        message,
      });
    const e = parsed.errors[0];
    if (e) {
      problems.push({
        docIndex: slice.index,
        start: slice.start + e.pos[0],
        end: slice.start + e.pos[1],
        message: `YAML: ${e.message}`,
      });
      continue;
    }
    const object = parsed.doc.toJS() as Record<string, unknown>;
    const meta = (object?.metadata ?? {}) as Record<string, unknown>;
    if (!parsed.apiVersion || !parsed.kind) {
      at('Not applied: the document has no apiVersion and kind');
      continue;
    }
    if (typeof meta.name !== 'string' || !meta.name) {
      at(`Not applied: ${parsed.kind} has no metadata.name (generateName cannot be applied server-side)`);
      continue;
    }
    docs.push({
      index: slice.index,
      apiVersion: parsed.apiVersion,
      kind: parsed.kind,
      name: meta.name,
      namespace: typeof meta.namespace === 'string' && meta.namespace ? meta.namespace : defaultNamespace,
      object,
      parsed,
    });
  }
  return { docs, problems };
}

function firstLineLength(t: string): number {
  const i = t.search(/\S/);
  const nl = t.indexOf('\n', Math.max(0, i));
  return nl < 0 ? t.length : nl;
}

/** YAML of an object for reading and diffs: without managedFields (noise kubectl diff hides too). */
export function objectYaml(o: unknown): string {
  if (!o || typeof o !== 'object') return '';
  const copy = JSON.parse(JSON.stringify(o)) as Record<string, unknown>;
  const meta = copy.metadata as Record<string, unknown> | undefined;
  if (meta) delete meta.managedFields;
  return stringify(copy, { lineWidth: 0 });
}

async function pathOf(http: KubeHttp, d: ApplyDoc): Promise<string> {
  const m = await restMapping(http, d.apiVersion, d.kind);
  if (m.namespaced) checkName('namespace', d.namespace);
  return mappedPath(m, d.name, m.namespaced ? d.namespace : undefined);
}

/** Server-side applies every document (dry run first when `dryRun`); never throws for a document's own error. */
export async function applyDocuments(
  http: KubeHttp,
  docs: readonly ApplyDoc[],
  opts: { dryRun: boolean; force?: boolean; withLive?: boolean; signal?: AbortSignal },
): Promise<ApplyOutcome> {
  const results: DocResult[] = [];
  const problems: ApplyProblem[] = [];
  const conflicts: Conflict[] = [];
  await Promise.all(
    docs.map(async (d) => {
      try {
        const path = await pathOf(http, d);
        // Forcing also drops a resourceVersion precondition (an edited live object overwrites).
        const meta = { ...(d.object.metadata as object), namespace: undefined } as Record<string, unknown>;
        if (opts.force) delete meta.resourceVersion;
        const body = { ...d.object, metadata: meta };
        const [live, result] = await Promise.all([
          opts.withLive
            ? http
                .request('GET', path, {
                  signal: opts.signal,
                  timeoutMs: 30_000,
                  what: `get ${d.kind} ${d.name}`,
                })
                .catch((e) => {
                  if (isKubeApiError(e) && e.kind === 'notFound') return undefined;
                  throw e;
                })
            : Promise.resolve(undefined),
          http.request('PATCH', path, {
            body: JSON.stringify(body),
            contentType: 'application/apply-patch+yaml',
            query: {
              fieldManager: FIELD_MANAGER,
              fieldValidation: 'Strict',
              force: opts.force ? true : undefined,
              dryRun: opts.dryRun ? 'All' : undefined,
            },
            signal: opts.signal,
            timeoutMs: 60_000,
            what: `${opts.dryRun ? 'dry-run apply' : 'apply'} ${d.kind} ${d.name}`,
          }),
        ]);
        const liveYaml = objectYaml(live);
        const resultYaml = objectYaml(result);
        results.push({ doc: d, live: liveYaml, result: resultYaml, changed: liveYaml !== resultYaml });
      } catch (e) {
        // 409: fields another manager owns, or (an edited live object) a stale resourceVersion.
        if (isKubeApiError(e) && e.kind === 'conflict') conflicts.push({ doc: d, message: e.message });
        else if (e instanceof UserError || isKubeApiError(e)) problems.push(...problemsOf(d, e));
        else throw e;
      }
    }),
  );
  results.sort((a, b) => a.doc.index - b.doc.index);
  return { results, problems, conflicts };
}

/** An error of one document as problems on its lines: one per cause with a field, else on `kind:`. */
export function problemsOf(d: ApplyDoc, e: Error): ApplyProblem[] {
  const causes = isKubeApiError(e) ? e.causes : [];
  const out: ApplyProblem[] = [];
  for (const c of causes) {
    const range = c.field ? rangeOfField(d.parsed, c.field) : undefined;
    const [start, end] = range ?? kindRange(d.parsed);
    out.push({
      docIndex: d.index,
      start,
      end,
      message: c.message ? `${c.field ? `${c.field}: ` : ''}${c.message}` : e.message,
    });
  }
  if (!out.length) {
    // The field is named in the message: strict decoding's `unknown field "spec.foo"`, or the
    // apply patch's `typed patch object (…): .spec.foo: field not declared in schema` / `expected string`.
    const m =
      /unknown field "([^"]+)"/.exec(e.message) ??
      /typed patch object \([^)]*\): (\.[^\s:]+):/.exec(e.message);
    const [start, end] = (m?.[1] && rangeOfField(d.parsed, m[1])) || kindRange(d.parsed);
    out.push({ docIndex: d.index, start, end, message: e.message });
  }
  return out;
}

function kindRange(p: ParsedDoc): [number, number] {
  const n = getIn(p, ['kind']);
  if (n?.range) return [p.slice.start + n.range[0], p.slice.start + n.range[1]];
  return [p.slice.start, p.slice.start + firstLineLength(p.slice.text)];
}

/** `spec.template.spec.domain.devices.disks[0].name` (or with a leading '.') → the node's range, or its nearest existing parent's. */
export function rangeOfField(p: ParsedDoc, field: string): [number, number] | undefined {
  const segs: Array<string | number> = [];
  for (const part of field.replace(/^\./, '').split('.')) {
    const m = /^([^[\]]*)((?:\[\d+\])*)$/.exec(part);
    if (!m) return undefined;
    if (m[1]) segs.push(m[1]);
    for (const idx of (m[2] ?? '').matchAll(/\[(\d+)\]/g)) segs.push(Number(idx[1]));
  }
  // From the key of the field (so an unknown field's own line is marked) to its value's end;
  // a field the document lacks marks its nearest parent.
  for (let n = segs.length; n > 0; n--) {
    const last = segs[n - 1];
    const parent = n === 1 ? p.doc.contents : getIn(p, segs.slice(0, n - 1));
    const pair = typeof last === 'string' ? pairOf(parent, last) : undefined;
    const key = pair?.key as { range?: [number, number, number] } | undefined;
    const node = getIn(p, segs.slice(0, n));
    const end = node?.range?.[1] ?? key?.range?.[1];
    const start = key?.range?.[0] ?? node?.range?.[0];
    if (start !== undefined && end !== undefined) return [p.slice.start + start, p.slice.start + end];
  }
  return undefined;
}

/** Reads an object's live YAML (for "Open YAML" and "Edit"). */
export async function liveYaml(
  http: KubeHttp,
  apiVersion: string,
  kind: string,
  name: string,
  namespace: string,
  signal?: AbortSignal,
): Promise<string> {
  const m = await restMapping(http, apiVersion, kind);
  return objectYaml(
    await http.request('GET', mappedPath(m, name, m.namespaced ? namespace : undefined), {
      signal,
      timeoutMs: 30_000,
      what: `get ${kind} ${name}`,
    }),
  );
}

export function assertNoProblems(p: ApplyProblem[]): void {
  if (p.length) throw new UserError(p.map((x) => x.message).join('\n'));
}
