/**
 * A container's log, followed the way a user wants it in a terminal: through restarts. Each
 * container instance is read with client-node's `Log` (follow, timestamps); the pod's own watch
 * says when an instance ended, when the next one started, and when the pod went, so the
 * follower moves on to the new instance by itself (no polling). Timestamps let a reconnect to
 * the same instance (a dropped connection) skip the lines already shown; they are stripped
 * before the text reaches the sink.
 */
import { PassThrough } from 'stream';
import { Log } from '@kubernetes/client-node';
import { CancelledError, isCancelled, messageOf } from '../../common/errors';
import { checkName } from './actions';
import { isKubeApiError } from './errors';
import type { KubeHttp } from './http';
import { watchPodUntil, type ContainerInstance, type PodView } from './podWatch';

export interface LogSink {
  /** Log text: whole lines, each ending in '\n'. */
  text(lines: string): void;
  /** What happened between instances ("container main exited with code 3", "restarted"). */
  note(text: string): void;
}

export interface FollowOptions {
  /** Lines of the first instance's past to show (all when unset). */
  readonly tailLines?: number;
  readonly signal: AbortSignal;
}

/** How following ended (it ends only with the pod or a container that will not run again). */
export type FollowEnd = 'deleted' | 'finished';

/** `…T16:30:01.12Z` → `…T16:30:01.120000000Z`: fixed width, so timestamps compare as strings. */
export function normalizeTimestamp(ts: string): string {
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?Z$/.exec(ts);
  return m ? `${m[1]}.${(m[2] ?? '').padEnd(9, '0')}Z` : '';
}

/** Splits a timestamped log into lines newer than `after`; keeps a partial last line for the next chunk. */
export class TimestampedLines {
  private buf = '';
  last = '';

  constructor(after = '') {
    this.last = after;
  }

  push(chunk: string): string {
    this.buf += chunk;
    let out = '';
    let nl: number;
    while ((nl = this.buf.indexOf('\n')) >= 0) {
      const line = this.buf.slice(0, nl);
      this.buf = this.buf.slice(nl + 1);
      const sp = line.indexOf(' ');
      const ts = normalizeTimestamp(sp > 0 ? line.slice(0, sp) : '');
      if (!ts) {
        out += `${line}\n`;
        continue;
      }
      if (this.last && ts <= this.last) continue; // shown before a reconnect
      this.last = ts;
      out += `${line.slice(sp + 1)}\n`;
    }
    return out;
  }
}

type Next =
  | { readonly kind: 'deleted' }
  | { readonly kind: 'instance'; readonly c: ContainerInstance }
  | { readonly kind: 'same' }
  | { readonly kind: 'finished'; readonly c: ContainerInstance };

function started(c: ContainerInstance | undefined): c is ContainerInstance {
  return !!c && !!c.id && (c.state === 'running' || c.state === 'terminated');
}

/** Will the kubelet run this container again after it ended? */
function restarts(p: PodView, c: ContainerInstance): boolean {
  if (p.deleting || p.phase === 'Succeeded' || p.phase === 'Failed') return false;
  if (p.restartPolicy === 'Never') return false;
  if (p.restartPolicy === 'OnFailure') return c.exitCode !== 0;
  return true;
}

function exitText(container: string, c: ContainerInstance): string {
  return `container ${container} exited${c.exitCode !== undefined ? ` with code ${c.exitCode}` : ''}${c.reason ? ` (${c.reason})` : ''}`;
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(new CancelledError());
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });

export async function followPodLogs(
  http: KubeHttp,
  namespace: string,
  pod: string,
  container: string,
  sink: LogSink,
  o: FollowOptions,
): Promise<FollowEnd> {
  checkName('namespace', namespace);
  checkName('Pod', pod);
  checkName('container', container);
  const signal = o.signal;
  const log = new Log(http.config);
  let instance = '';
  let lines = new TimestampedLines();
  let noted = '';
  let quiet = false;
  let lostDelay = 500;
  let firstRead = true;
  const noteOnce = (text: string) => {
    if (text !== noted) sink.note(text);
    noted = text;
  };

  /** What to do next, from the pod as it is now (and as it changes). */
  const decide = (p: PodView | 'deleted'): Next | undefined => {
    if (p === 'deleted') return { kind: 'deleted' };
    const c = p.containers.get(container);
    if (started(c) && c.id !== instance) return { kind: 'instance', c };
    if (c && c.id === instance && instance) {
      if (c.state === 'running') return quiet ? undefined : { kind: 'same' };
      if (c.state === 'terminated') {
        if (!restarts(p, c)) return { kind: 'finished', c };
        noteOnce(`${exitText(container, c)}; waiting for it to restart`);
      }
    }
    if (c?.state === 'waiting' && c.reason) noteOnce(`container ${container} is waiting: ${c.reason}`);
    return undefined;
  };

  for (;;) {
    let next: Next | undefined;
    try {
      // After a read that ended without news, a dropped connection is retried after 1 s at
      // most; anything the pod does meanwhile (an exit, a restart) decides sooner.
      next = (await watchPodUntil(http, namespace, pod, decide, signal, quiet ? 1000 : undefined)) ?? {
        kind: 'same',
      };
      lostDelay = 500;
    } catch (e) {
      if (isCancelled(e) || signal.aborted) throw new CancelledError();
      if (!isKubeApiError(e) || (e.kind !== 'unreachable' && e.kind !== 'other')) throw e;
      noteOnce(`connection lost (${messageOf(e)}); retrying`);
      await sleep(lostDelay, signal);
      lostDelay = Math.min(lostDelay * 2, 5000);
      continue;
    }
    if (next.kind === 'deleted') {
      sink.note(`pod ${namespace}/${pod} was deleted`);
      return 'deleted';
    }
    if (next.kind === 'finished') {
      sink.note(`${exitText(container, next.c)}; it will not be restarted`);
      return 'finished';
    }
    if (next.kind === 'instance') {
      if (instance)
        sink.note(
          `container ${container} restarted (restart ${next.c.restartCount}); following the new instance`,
        );
      instance = next.c.id;
      lines = new TimestampedLines();
      noted = '';
    }
    const before = lines.last;
    try {
      await readInstance(log, http, namespace, pod, container, lines, sink, signal, {
        // Whole seconds only: the lines of that second already shown are skipped by timestamp.
        sinceTime: before ? `${before.slice(0, 19)}Z` : undefined,
        tailLines: firstRead ? o.tailLines : undefined,
      });
      firstRead = false;
    } catch (e) {
      if (isCancelled(e) || signal.aborted) throw new CancelledError();
      // The container went between our look and the read (it restarts): decided again below.
      if (!isKubeApiError(e) || e.kind !== 'invalid') noteOnce(`reading the log failed: ${messageOf(e)}`);
    }
    quiet = lines.last === before;
  }
}

/** One follow request for the current instance; resolves when the server ends it. */
async function readInstance(
  log: Log,
  http: KubeHttp,
  namespace: string,
  pod: string,
  container: string,
  lines: TimestampedLines,
  sink: LogSink,
  signal: AbortSignal,
  q: { sinceTime?: string; tailLines?: number },
): Promise<void> {
  const out = new PassThrough();
  const done = new Promise<void>((resolve) => {
    out.on('data', (chunk: Buffer) => {
      const text = lines.push(chunk.toString('utf8'));
      if (text) sink.text(text);
    });
    out.on('end', resolve);
    out.on('close', resolve);
  });
  let ac: AbortController;
  try {
    ac = await log.log(namespace, pod, container, out, {
      follow: true,
      timestamps: true,
      ...(q.sinceTime ? { sinceTime: q.sinceTime } : {}),
      ...(q.tailLines !== undefined ? { tailLines: q.tailLines } : {}),
    });
  } catch {
    // client-node's Log keeps only the status code; the server's own words come from the same
    // request made once more without follow (it fails the same way, with its Status body).
    await http.request('GET', `/api/v1/namespaces/${namespace}/pods/${pod}/log`, {
      query: { container, limitBytes: 1 },
      signal,
      timeoutMs: 15_000,
      what: `read the log of ${namespace}/${pod} (${container})`,
    });
    return;
  }
  // The log stream has no heartbeat: a server that dies mid-stream is noticed by the pod's
  // watch (it fails), which ends this read so the follower reconnects.
  const watchAc = new AbortController();
  const onAbort = () => watchAc.abort();
  signal.addEventListener('abort', onAbort, { once: true });
  const watching = watchPodUntil(
    http,
    namespace,
    pod,
    (p) => (p === 'deleted' ? true : undefined),
    watchAc.signal,
  ).then(
    () => 'deleted' as const,
    () => (watchAc.signal.aborted ? ('stopped' as const) : ('lost' as const)),
  );
  const why = await Promise.race([done.then(() => 'ended' as const), watching]);
  if (why === 'deleted') await Promise.race([done, sleep(2000, signal).catch(() => undefined)]);
  watchAc.abort();
  signal.removeEventListener('abort', onAbort);
  ac.abort();
  out.end();
  if (signal.aborted) throw new CancelledError();
}
