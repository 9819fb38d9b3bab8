/**
 * One pod, followed by its own watch (get, then watch from its resourceVersion with a field
 * selector on its name): what a log follower needs to see a container exit and its next
 * instance start, without polling. Container states are parsed (runtime-checked) here.
 */
import { CancelledError } from '../../common/errors';
import { textOf } from '../../common/text';
import { apiErrorOf, isKubeApiError, transportErrorOf } from './errors';
import type { KubeHttp } from './http';
import { checkName } from './actions';

export interface ContainerInstance {
  /** The runtime's id of this instance (`containerd://…`); '' before the first one was created. */
  readonly id: string;
  readonly state: 'waiting' | 'running' | 'terminated' | 'unknown';
  /** Why it waits or ended (`ContainerCreating`, `CrashLoopBackOff`, `Error`, `Completed`). */
  readonly reason: string;
  readonly exitCode?: number;
  readonly restartCount: number;
}

export interface PodView {
  readonly resourceVersion: string;
  readonly phase: string;
  readonly restartPolicy: string;
  /** The containers (and init containers) by name. */
  readonly containers: ReadonlyMap<string, ContainerInstance>;
  readonly deleting: boolean;
}

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : {});
const str = (v: unknown): string => (typeof v === 'string' ? v : '');

function instanceOf(cs: Obj): ContainerInstance {
  const state = obj(cs.state);
  const restartCount = typeof cs.restartCount === 'number' ? cs.restartCount : 0;
  const id = str(cs.containerID);
  if (state.running) return { id, state: 'running', reason: '', restartCount };
  if (state.terminated) {
    const t = obj(state.terminated);
    return {
      id: str(t.containerID) || id,
      state: 'terminated',
      reason: str(t.reason),
      ...(typeof t.exitCode === 'number' ? { exitCode: t.exitCode } : {}),
      restartCount,
    };
  }
  if (state.waiting) return { id, state: 'waiting', reason: str(obj(state.waiting).reason), restartCount };
  return { id, state: 'unknown', reason: '', restartCount };
}

/** A pod object as the API server returns it → what the followers use. */
export function podView(raw: unknown): PodView {
  const o = obj(raw);
  const status = obj(o.status);
  const containers = new Map<string, ContainerInstance>();
  for (const list of [status.initContainerStatuses, status.containerStatuses])
    if (Array.isArray(list))
      for (const c of list.map(obj)) if (str(c.name)) containers.set(str(c.name), instanceOf(c));
  const meta = obj(o.metadata);
  return {
    resourceVersion: str(meta.resourceVersion),
    phase: str(status.phase),
    restartPolicy: str(obj(o.spec).restartPolicy) || 'Always',
    containers,
    deleting: !!meta.deletionTimestamp,
  };
}

function podPath(namespace: string, name: string): string {
  return `/api/v1/namespaces/${namespace}/pods/${name}`;
}

/** The pod now (KubeApiError `notFound` when it is gone). */
export async function getPod(
  http: KubeHttp,
  namespace: string,
  name: string,
  signal?: AbortSignal,
): Promise<PodView> {
  checkName('namespace', namespace);
  checkName('Pod', name);
  return podView(
    await http.request('GET', podPath(namespace, name), {
      signal,
      timeoutMs: 30_000,
      what: `get pod ${namespace}/${name}`,
    }),
  );
}

/**
 * Calls `decide` with the pod now and after every change until it returns a value (or
 * `'deleted'` once the pod is gone), and resolves with that value. The watch resumes from the
 * newest version when the server ends it; `timeoutMs` bounds the whole wait (then `undefined`).
 */
export async function watchPodUntil<T>(
  http: KubeHttp,
  namespace: string,
  name: string,
  decide: (pod: PodView | 'deleted') => T | undefined,
  signal: AbortSignal,
  timeoutMs?: number,
): Promise<T | undefined> {
  let pod: PodView | 'deleted';
  try {
    pod = await getPod(http, namespace, name, signal);
  } catch (e) {
    if (isKubeApiError(e) && e.kind === 'notFound') pod = 'deleted';
    else throw e;
  }
  const first = decide(pod);
  if (first !== undefined || pod === 'deleted') return first;
  let rv = pod.resourceVersion;
  const ac = new AbortController();
  const onAbort = () => ac.abort();
  signal.addEventListener('abort', onAbort, { once: true });
  const timer = timeoutMs ? setTimeout(() => ac.abort(), timeoutMs) : undefined;
  try {
    for (;;) {
      const res = await http.stream(
        `/api/v1/namespaces/${namespace}/pods`,
        {
          watch: 1,
          fieldSelector: `metadata.name=${name}`,
          resourceVersion: rv,
          allowWatchBookmarks: true,
          timeoutSeconds: 300,
        },
        ac.signal,
        `watch pod ${namespace}/${name}`,
      );
      const found = await new Promise<{ value: T | undefined } | undefined>((resolve, reject) => {
        let buf = '';
        let done = false;
        const finish = (v: { value: T | undefined } | undefined, err?: unknown) => {
          if (done) return;
          done = true;
          res.destroy();
          if (err) reject(err instanceof Error ? err : new Error(textOf(err)));
          else resolve(v);
        };
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          buf += chunk;
          let nl: number;
          while (!done && (nl = buf.indexOf('\n')) >= 0) {
            const line = buf.slice(0, nl);
            buf = buf.slice(nl + 1);
            if (!line.trim()) continue;
            let ev: { type?: unknown; object?: unknown };
            try {
              ev = JSON.parse(line) as { type?: unknown; object?: unknown };
            } catch (e) {
              finish(undefined, e);
              return;
            }
            const o = obj(ev.object);
            if (ev.type === 'ERROR') {
              finish(undefined, apiErrorOf(Number(o.code) || 500, JSON.stringify(o), `watch pod ${name}`));
              return;
            }
            const v = str(obj(o.metadata).resourceVersion);
            if (v) rv = v;
            if (ev.type === 'BOOKMARK') continue;
            const view: PodView | 'deleted' = ev.type === 'DELETED' ? 'deleted' : podView(o);
            const value = decide(view);
            if (value !== undefined || view === 'deleted') finish({ value });
          }
        });
        res.on('error', (e) => finish(undefined, transportErrorOf(e, http.server)));
        res.on('close', () => finish(undefined)); // the server ended the watch: resume from rv
      });
      if (found) return found.value;
    }
  } catch (e) {
    if (ac.signal.aborted && !signal.aborted) return undefined; // our time bound
    if (signal.aborted) throw new CancelledError();
    if (isKubeApiError(e) && e.kind === 'gone') return watchPodUntil(http, namespace, name, decide, signal);
    throw e;
  } finally {
    if (timer) clearTimeout(timer);
    signal.removeEventListener('abort', onAbort);
  }
}
