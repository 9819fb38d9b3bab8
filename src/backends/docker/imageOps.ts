/**
 * Image work through the Engine API: pull, push, tag, history, prune. Pull and push stream JSON
 * progress lines; an `{"error": …}` line is the engine's (or the registry's) reason and becomes
 * the UserError. A push under a new name tags first and removes that tag again if the push fails,
 * so a failed push leaves no dangling name behind.
 */
import type { Readable } from 'stream';
import { UserError, CancelledError } from '../../common/errors';
import type { DockerClient } from './client';
import { engineError } from './errors';

export interface RegistryAuth {
  readonly username: string;
  readonly password: string;
  /** `host:port` */
  readonly serveraddress: string;
}

export interface PullPushProgress {
  /** Layer id, when the line is about one layer. */
  readonly id?: string;
  readonly status: string;
  readonly current?: number;
  readonly total?: number;
}

export interface TransferOptions {
  readonly auth?: RegistryAuth;
  readonly signal?: AbortSignal;
  readonly onProgress?: (p: PullPushProgress) => void;
  /** Podman only: false for a registry with a certificate it does not trust. */
  readonly tlsVerify?: boolean;
}

/** Image references go into URL paths and queries: only what the reference grammar allows. */
const REF_RE = /^[a-z0-9][a-z0-9._\-/:@]*$/i;
function assertImageRef(ref: string): string {
  if (!REF_RE.test(ref) || ref.includes('..'))
    throw new Error(`Not an image reference: ${JSON.stringify(ref)}`);
  return ref;
}

/** `host:port/repo:tag` → [`host:port/repo`, `tag`]; no tag → 'latest'. */
export function splitTag(ref: string): [string, string] {
  const at = ref.indexOf('@');
  if (at >= 0) return [ref.slice(0, at), ref.slice(at + 1)];
  const colon = ref.lastIndexOf(':');
  if (colon > ref.lastIndexOf('/')) return [ref.slice(0, colon), ref.slice(colon + 1)];
  return [ref, 'latest'];
}

/** Follows a pull/push/build JSON stream to its end; rejects with the first error line's reason. */
export function followJsonStream(
  stream: Readable,
  what: string,
  onLine: (x: Record<string, unknown>) => void,
  signal?: AbortSignal,
): Promise<void> {
  return new Promise((resolve, reject) => {
    let buf = '';
    let failed: string | undefined;
    let settled = false;
    const settle = (err?: Error) => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      if (err) reject(err);
      else if (failed) reject(new UserError(`${what}: ${failed}`));
      else resolve();
    };
    const onAbort = () => {
      stream.destroy();
      settle(new CancelledError());
    };
    if (signal?.aborted) return onAbort();
    signal?.addEventListener('abort', onAbort, { once: true });
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      buf += chunk;
      let i: number;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i).trim();
        buf = buf.slice(i + 1);
        if (!line) continue;
        let x: unknown;
        try {
          x = JSON.parse(line);
        } catch {
          continue;
        }
        if (typeof x !== 'object' || x === null) continue;
        const o = x as Record<string, unknown>;
        const detail = o.errorDetail as { message?: unknown } | undefined;
        const err =
          typeof o.error === 'string'
            ? o.error
            : typeof detail?.message === 'string'
              ? detail.message
              : undefined;
        if (err && !failed) failed = err.trim();
        onLine(o);
      }
    });
    stream.on('end', () => settle());
    stream.on('close', () => settle());
    stream.on('error', (e) => settle(engineError(what, e)));
  });
}

function progressOf(o: Record<string, unknown>): PullPushProgress | undefined {
  if (typeof o.status !== 'string') return undefined;
  const d = o.progressDetail as { current?: unknown; total?: unknown } | undefined;
  return {
    id: typeof o.id === 'string' ? o.id : undefined,
    status: o.status,
    current: typeof d?.current === 'number' ? d.current : undefined,
    total: typeof d?.total === 'number' ? d.total : undefined,
  };
}

function authOpts(o: TransferOptions): Record<string, unknown> {
  const x: Record<string, unknown> = { abortSignal: o.signal };
  if (o.auth) x.authconfig = { ...o.auth };
  if (o.tlsVerify === false) x.tlsVerify = false;
  return x;
}

export async function pullImage(client: DockerClient, ref: string, o: TransferOptions = {}): Promise<void> {
  const [repo, tag] = splitTag(assertImageRef(ref));
  const what = `Could not pull ${ref}`;
  let stream: Readable;
  try {
    stream = await (client.api.pull as unknown as (r: string, o: unknown) => Promise<Readable>).call(
      client.api,
      `${repo}${tag.startsWith('sha256:') ? '@' : ':'}${tag}`,
      authOpts(o),
    );
  } catch (e) {
    if (o.signal?.aborted) throw new CancelledError();
    throw engineError(what, e);
  }
  await followJsonStream(
    stream,
    what,
    (x) => {
      const p = progressOf(x);
      if (p) o.onProgress?.(p);
    },
    o.signal,
  );
}

/** Pushes `ref` (already named for its registry). Resolves with the pushed digest when the engine said it. */
export async function pushImage(
  client: DockerClient,
  ref: string,
  o: TransferOptions = {},
): Promise<string | undefined> {
  const [repo, tag] = splitTag(assertImageRef(ref));
  const what = `Could not push ${ref}`;
  let stream: Readable;
  try {
    stream = await (client.api.getImage(repo).push as unknown as (o: unknown) => Promise<Readable>).call(
      client.api.getImage(repo),
      { tag, ...authOpts(o) },
    );
  } catch (e) {
    if (o.signal?.aborted) throw new CancelledError();
    throw engineError(what, e);
  }
  let digest: string | undefined;
  await followJsonStream(
    stream,
    what,
    (x) => {
      const aux = x.aux as { Digest?: unknown } | undefined;
      if (typeof aux?.Digest === 'string') digest = aux.Digest;
      const m = typeof x.status === 'string' ? /digest: (sha256:[0-9a-f]{64})/.exec(x.status) : null;
      if (m) digest = m[1];
      const p = progressOf(x);
      if (p) o.onProgress?.(p);
    },
    o.signal,
  );
  return digest;
}

export async function tagImage(
  client: DockerClient,
  source: string,
  target: string,
  o: { signal?: AbortSignal } = {},
): Promise<void> {
  const [repo, tag] = splitTag(assertImageRef(target));
  try {
    await client.api.getImage(assertImageRef(source)).tag({ repo, tag, abortSignal: o.signal });
  } catch (e) {
    throw engineError(`Could not tag ${source} as ${target}`, e);
  }
}

/** Whether the engine has an image under this exact reference. */
export async function hasImage(client: DockerClient, ref: string): Promise<boolean> {
  try {
    await client.api.getImage(assertImageRef(ref)).inspect();
    return true;
  } catch (e) {
    if ((e as { statusCode?: number }).statusCode === 404) return false;
    throw engineError(`Could not inspect ${ref}`, e);
  }
}

/**
 * Pushes `source` as `target`: tags it (unless it already has that name), pushes, and on any
 * failure or cancel removes the tag this call created — the image itself is never touched.
 */
export async function pushAs(
  client: DockerClient,
  source: string,
  target: string,
  o: TransferOptions = {},
): Promise<string | undefined> {
  const created = source !== target && !(await hasImage(client, target));
  if (source !== target) await tagImage(client, source, target, o);
  try {
    return await pushImage(client, target, o);
  } catch (e) {
    if (created) {
      // Untag only: `noprune` keeps the image's layers (and its other names) as they were.
      await (
        client.api.getImage(target).remove({ noprune: true } as never) as unknown as Promise<unknown>
      ).catch(() => undefined);
    }
    throw e;
  }
}

export interface HistoryEntry {
  readonly id: string;
  /** Unix ms. */
  readonly created: number;
  readonly createdBy: string;
  readonly size: number;
  readonly tags: readonly string[];
  readonly comment: string;
}

export async function imageHistory(
  client: DockerClient,
  ref: string,
  o: { signal?: AbortSignal } = {},
): Promise<HistoryEntry[]> {
  let raw: unknown;
  try {
    // dockerode's history() takes no options (no abort): it is one short request.
    o.signal?.throwIfAborted();
    raw = await client.api.getImage(assertImageRef(ref)).history();
  } catch (e) {
    throw engineError(`Could not read the history of ${ref}`, e);
  }
  if (!Array.isArray(raw))
    throw new UserError(`Could not read the history of ${ref}: the engine did not answer with a list`);
  return raw
    .filter((x): x is Record<string, unknown> => typeof x === 'object' && x !== null)
    .map((x) => ({
      id: typeof x.Id === 'string' ? x.Id : '<missing>',
      created: typeof x.Created === 'number' ? x.Created * 1000 : 0,
      createdBy: typeof x.CreatedBy === 'string' ? x.CreatedBy : '',
      size: typeof x.Size === 'number' ? x.Size : 0,
      tags: Array.isArray(x.Tags) ? x.Tags.filter((t): t is string => typeof t === 'string') : [],
      comment: typeof x.Comment === 'string' ? x.Comment : '',
    }));
}

export interface ImagePruneResult {
  readonly deleted: readonly string[];
  readonly untagged: readonly string[];
  readonly spaceReclaimed: number;
}

/** `docker image prune` (dangling only) or `-a` (every image no container uses). */
export async function pruneImages(
  client: DockerClient,
  o: { all?: boolean; signal?: AbortSignal } = {},
): Promise<ImagePruneResult> {
  let r: { ImagesDeleted?: unknown; SpaceReclaimed?: unknown };
  try {
    r = (await (client.api.pruneImages as (o: unknown) => Promise<unknown>).call(client.api, {
      abortSignal: o.signal,
      filters: { dangling: [o.all ? 'false' : 'true'] },
    })) as typeof r;
  } catch (e) {
    throw engineError('Could not prune images', e);
  }
  const deleted: string[] = [];
  const untagged: string[] = [];
  if (Array.isArray(r.ImagesDeleted))
    for (const x of r.ImagesDeleted as Array<{ Deleted?: unknown; Untagged?: unknown }>) {
      if (typeof x.Deleted === 'string') deleted.push(x.Deleted);
      if (typeof x.Untagged === 'string') untagged.push(x.Untagged);
    }
  return { deleted, untagged, spaceReclaimed: typeof r.SpaceReclaimed === 'number' ? r.SpaceReclaimed : 0 };
}
