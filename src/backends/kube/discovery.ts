/**
 * REST mapping from an object's apiVersion + kind to its collection, read from the API server's
 * discovery (so CRDs and built-ins alike resolve without a hard-coded table). Cached per client.
 */
import { UserError } from '../../common/errors';
import { isKubeApiError } from './errors';
import type { KubeHttp } from './http';

export interface RestMapping {
  readonly apiVersion: string;
  readonly kind: string;
  readonly plural: string;
  readonly namespaced: boolean;
  /** /api/v1 or /apis/group/version */
  readonly base: string;
}

const cache = new WeakMap<KubeHttp, Map<string, Promise<Map<string, RestMapping>>>>();

function groupVersion(http: KubeHttp, apiVersion: string): Promise<Map<string, RestMapping>> {
  let byGv = cache.get(http);
  if (!byGv) cache.set(http, (byGv = new Map<string, Promise<Map<string, RestMapping>>>()));
  let p = byGv.get(apiVersion);
  if (!p) {
    const base = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
    p = http
      .request<{ resources?: Array<{ name?: string; kind?: string; namespaced?: boolean }> }>('GET', base, {
        timeoutMs: 15_000,
        what: `discover ${apiVersion}`,
      })
      .then((list) => {
        const m = new Map<string, RestMapping>();
        for (const r of list.resources ?? [])
          if (r.name && r.kind && !r.name.includes('/'))
            m.set(r.kind, {
              apiVersion,
              kind: r.kind,
              plural: r.name,
              namespaced: r.namespaced === true,
              base,
            });
        return m;
      });
    p.catch(() => byGv.delete(apiVersion)); // not cached when it failed (a CRD installed later)
    byGv.set(apiVersion, p);
  }
  return p;
}

export async function restMapping(http: KubeHttp, apiVersion: string, kind: string): Promise<RestMapping> {
  let m: Map<string, RestMapping>;
  try {
    m = await groupVersion(http, apiVersion);
  } catch (e) {
    if (isKubeApiError(e) && e.kind === 'notFound')
      throw new UserError(`The cluster does not serve ${apiVersion} (is the CRD or add-on installed?)`);
    throw e;
  }
  const r = m.get(kind);
  if (!r) throw new UserError(`The cluster serves ${apiVersion} but has no kind ${kind}`);
  return r;
}

export function mappedPath(m: RestMapping, name: string | undefined, namespace: string | undefined): string {
  const ns = m.namespaced && namespace ? `/namespaces/${encodeURIComponent(namespace)}` : '';
  return `${m.base}${ns}/${m.plural}${name ? `/${encodeURIComponent(name)}` : ''}`;
}
