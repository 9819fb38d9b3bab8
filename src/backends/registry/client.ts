/**
 * A registry API v2 client (any distribution-spec registry): the catalog, tags, manifest digests
 * and manifest deletion. Auth as registries ask for it in WWW-Authenticate: Basic, or a Bearer
 * token from the realm they name (with the user's credentials, when there are any). Every failure
 * becomes a UserError naming the registry and its own reason.
 */
import * as crypto from 'crypto';
import { UserError } from '../../common/errors';
import { request, type HttpResponse } from './http';
import { assertReference, assertRepository } from './names';

export interface Credentials {
  readonly username: string;
  readonly password: string;
}

export interface RegistryEndpoint {
  /** `https://host[:port]` (http:// only when the user said so). */
  readonly url: string;
  /** PEM of the CA that signed the registry's certificate, when it is not a public one. */
  readonly ca?: Buffer;
  readonly insecureSkipVerify?: boolean;
}

type Sig = { signal?: AbortSignal };

const MANIFEST_TYPES = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
].join(', ');

/** `{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}` → "authentication required". */
export function registryReason(res: HttpResponse): string {
  try {
    const x = JSON.parse(res.body.toString('utf8')) as {
      errors?: Array<{ message?: unknown; code?: unknown }>;
    };
    const msgs = (x.errors ?? [])
      .map((e) =>
        typeof e.message === 'string' && e.message ? e.message : typeof e.code === 'string' ? e.code : '',
      )
      .filter(Boolean);
    if (msgs.length) return msgs.join('; ');
  } catch {
    /* not JSON */
  }
  const text = res.body.toString('utf8').trim().slice(0, 200);
  return text || `HTTP ${res.status}`;
}

interface Challenge {
  readonly scheme: 'basic' | 'bearer';
  readonly params: Record<string, string>;
}

export function parseChallenge(header: string | undefined): Challenge | undefined {
  if (!header) return undefined;
  const m = /^\s*(\w+)\s*(.*)$/s.exec(header);
  if (!m) return undefined;
  const scheme = (m[1] ?? '').toLowerCase();
  if (scheme !== 'basic' && scheme !== 'bearer') return undefined;
  const params: Record<string, string> = {};
  const re = /(\w+)="([^"]*)"/g;
  let p: RegExpExecArray | null;
  while ((p = re.exec(m[2] ?? ''))) if (p[1] && p[2] !== undefined) params[p[1].toLowerCase()] = p[2];
  return { scheme, params };
}

export class RegistryClient {
  readonly host: string;
  private readonly base: string;
  /** Authorization header per scope (Bearer tokens are scoped; Basic is not). */
  private readonly auth = new Map<string, string>();

  constructor(
    readonly endpoint: RegistryEndpoint,
    private readonly credentials: () => Promise<Credentials | undefined>,
  ) {
    const u = new URL(endpoint.url);
    if (u.protocol !== 'https:' && u.protocol !== 'http:')
      throw new Error(`Not a registry URL: ${endpoint.url}`);
    this.host = u.host;
    this.base = `${u.protocol}//${u.host}`;
  }

  /** Checks that the registry answers and accepts the credentials (GET /v2/). */
  async check(o: Sig = {}): Promise<void> {
    await this.get('/v2/', 'registry:catalog:*', o);
  }

  /** Every repository in the catalog (paginated by the registry with Link: rel="next"). */
  async repositories(o: Sig & { max?: number } = {}): Promise<string[]> {
    const out: string[] = [];
    let next: string | undefined = '/v2/_catalog?n=200';
    while (next && out.length < (o.max ?? 10_000)) {
      const res = await this.get(next, 'registry:catalog:*', o);
      const x = json(res) as { repositories?: unknown };
      if (Array.isArray(x.repositories))
        for (const r of x.repositories) if (typeof r === 'string') out.push(r);
      next = nextLink(res);
    }
    return out;
  }

  async tags(repository: string, o: Sig = {}): Promise<string[]> {
    const repo = assertRepository(repository);
    const out: string[] = [];
    let next: string | undefined = `/v2/${repo}/tags/list?n=500`;
    while (next) {
      const res = await this.get(next, `repository:${repo}:pull`, o);
      const x = json(res) as { tags?: unknown };
      if (Array.isArray(x.tags)) for (const t of x.tags) if (typeof t === 'string') out.push(t);
      next = nextLink(res);
    }
    return out.sort();
  }

  /** The manifest digest a tag points at (Docker-Content-Digest of a HEAD). */
  async digest(repository: string, reference: string, o: Sig = {}): Promise<string> {
    const repo = assertRepository(repository);
    const res = await this.send(
      'HEAD',
      `/v2/${repo}/manifests/${assertReference(reference)}`,
      `repository:${repo}:pull`,
      {
        ...o,
        headers: { Accept: MANIFEST_TYPES },
      },
    );
    const d = res.headers['docker-content-digest'];
    if (typeof d !== 'string' || !d)
      throw new UserError(`Registry ${this.host} gave no digest for ${repo}:${reference}`);
    return d;
  }

  /**
   * Deletes what a tag points at. The distribution registry deletes manifests by digest only, so
   * every tag on the same digest goes with it: `others` tells the caller which (to confirm first).
   */
  async tagsSharingDigest(
    repository: string,
    tag: string,
    o: Sig = {},
  ): Promise<{ digest: string; others: string[] }> {
    const digest = await this.digest(repository, tag, o);
    const others: string[] = [];
    for (const t of await this.tags(repository, o)) {
      if (t === tag) continue;
      if ((await this.digest(repository, t, o).catch(() => '')) === digest) others.push(t);
    }
    return { digest, others };
  }

  async deleteManifest(repository: string, digest: string, o: Sig = {}): Promise<void> {
    const repo = assertRepository(repository);
    await this.send(
      'DELETE',
      `/v2/${repo}/manifests/${assertReference(digest)}`,
      `repository:${repo}:delete`,
      o,
    );
  }

  /** A manifest (any media type in `accept`) with its digest, as the registry serves it. */
  async manifest(
    repository: string,
    reference: string,
    o: Sig & { accept?: string } = {},
  ): Promise<{ digest: string; mediaType: string; body: Buffer }> {
    const repo = assertRepository(repository);
    const res = await this.send(
      'GET',
      `/v2/${repo}/manifests/${assertReference(reference)}`,
      `repository:${repo}:pull`,
      {
        ...o,
        headers: { Accept: o.accept ?? MANIFEST_TYPES },
      },
    );
    const d = res.headers['docker-content-digest'];
    const digest =
      typeof d === 'string' && d ? d : `sha256:${crypto.createHash('sha256').update(res.body).digest('hex')}`;
    const ct = res.headers['content-type'];
    return { digest, mediaType: typeof ct === 'string' ? ct : '', body: res.body };
  }

  /**
   * A blob by digest, checked against it; follows the registry's redirect to its storage (sent
   * there without our credentials, which are the registry's, not the storage's).
   */
  async blob(repository: string, digest: string, o: Sig & { maxBytes?: number } = {}): Promise<Buffer> {
    const repo = assertRepository(repository);
    const m = /^sha256:([a-f0-9]{64})$/.exec(digest);
    if (!m) throw new UserError(`Registry ${this.host}: unsupported blob digest ${digest}`);
    let res = await this.send('GET', `/v2/${repo}/blobs/${digest}`, `repository:${repo}:pull`, {
      ...o,
      redirects: true,
    });
    for (let hops = 0; res.status >= 300 && res.status < 400 && hops < 5; hops++) {
      const loc = res.headers.location;
      if (typeof loc !== 'string' || !loc) break;
      res = await this.raw('GET', new URL(loc, this.base).toString(), {}, o.signal, o.maxBytes);
    }
    if (res.status !== 200)
      throw new UserError(
        `Registry ${this.host} answered ${res.status} for blob ${digest}: ${registryReason(res)}`,
      );
    const got = crypto.createHash('sha256').update(res.body).digest('hex');
    if (got !== m[1])
      throw new UserError(`Registry ${this.host}: blob ${digest} has the wrong digest (sha256:${got})`);
    return res.body;
  }

  private get(path: string, scope: string, o: Sig): Promise<HttpResponse> {
    return this.send('GET', path, scope, o);
  }

  private async send(
    method: 'GET' | 'HEAD' | 'DELETE',
    path: string,
    scope: string,
    o: Sig & { headers?: Record<string, string>; redirects?: boolean; maxBytes?: number },
  ): Promise<HttpResponse> {
    let res = await this.raw(method, path, { ...o.headers, ...this.authHeader(scope) }, o.signal, o.maxBytes);
    if (res.status === 401) {
      const header = await this.authenticate(res, scope, o.signal);
      res = await this.raw(method, path, { ...o.headers, Authorization: header }, o.signal, o.maxBytes);
      if (res.status === 401) {
        const who = (await this.credentials())?.username;
        throw new UserError(
          who
            ? `Registry ${this.host} refused the credentials of ${who}: ${registryReason(res)}`
            : `Registry ${this.host} needs credentials: ${registryReason(res)}`,
        );
      }
    }
    if (res.status >= 200 && res.status < 300) return res;
    if (o.redirects && res.status >= 300 && res.status < 400) return res;
    const what = `${method} ${path.split('?')[0]}`;
    if (res.status === 404)
      throw withStatus(
        new UserError(`Registry ${this.host}: not found (${what}): ${registryReason(res)}`),
        404,
      );
    if (res.status === 405)
      throw withStatus(
        new UserError(
          `Registry ${this.host} does not allow ${method === 'DELETE' ? 'deleting' : what}: ${registryReason(res)}`,
        ),
        405,
      );
    throw withStatus(
      new UserError(`Registry ${this.host} answered ${res.status} to ${what}: ${registryReason(res)}`),
      res.status,
    );
  }

  private authHeader(scope: string): Record<string, string> {
    const h = this.auth.get(scope) ?? this.auth.get('*');
    return h ? { Authorization: h } : {};
  }

  /** Answers a 401 challenge; remembers the header for the scope. */
  private async authenticate(res: HttpResponse, scope: string, signal?: AbortSignal): Promise<string> {
    const ch = parseChallenge(String(res.headers['www-authenticate'] ?? ''));
    const creds = await this.credentials();
    if (ch?.scheme === 'basic' || (!ch && creds)) {
      if (!creds)
        throw new UserError(`Registry ${this.host} needs a user name and password (${registryReason(res)})`);
      const h = `Basic ${Buffer.from(`${creds.username}:${creds.password}`).toString('base64')}`;
      this.auth.set('*', h);
      return h;
    }
    if (!ch?.params.realm)
      throw new UserError(
        `Registry ${this.host} asked for credentials it did not describe: ${registryReason(res)}`,
      );
    const realm = new URL(ch.params.realm);
    if (ch.params.service) realm.searchParams.set('service', ch.params.service);
    realm.searchParams.set('scope', ch.params.scope ?? scope);
    const tokenRes = await this.raw(
      'GET',
      realm.toString(),
      creds
        ? { Authorization: `Basic ${Buffer.from(`${creds.username}:${creds.password}`).toString('base64')}` }
        : {},
      signal,
    );
    if (tokenRes.status === 401 || tokenRes.status === 403)
      throw new UserError(
        creds
          ? `Registry ${this.host} refused the credentials of ${creds.username}: ${registryReason(tokenRes)}`
          : `Registry ${this.host} needs credentials: ${registryReason(tokenRes)}`,
      );
    const t = json(tokenRes) as { token?: unknown; access_token?: unknown };
    const token =
      typeof t.token === 'string' ? t.token : typeof t.access_token === 'string' ? t.access_token : '';
    if (!token)
      throw new UserError(
        `Registry ${this.host}: its token service gave no token (${registryReason(tokenRes)})`,
      );
    const h = `Bearer ${token}`;
    this.auth.set(scope, h);
    return h;
  }

  private async raw(
    method: 'GET' | 'HEAD' | 'DELETE',
    pathOrUrl: string,
    headers: Record<string, string>,
    signal?: AbortSignal,
    maxBytes?: number,
  ): Promise<HttpResponse> {
    const url = /^https?:\/\//.test(pathOrUrl) ? pathOrUrl : `${this.base}${pathOrUrl}`;
    try {
      return await request({
        method,
        url,
        headers: { 'User-Agent': 'podvisor', ...headers },
        ca: this.endpoint.ca,
        insecureSkipVerify: this.endpoint.insecureSkipVerify,
        signal,
        ...(maxBytes ? { maxBytes } : {}),
      });
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      if (err.name === 'AbortError') throw e;
      const reason = err.code ? `${err.message}` : String(err.message ?? e);
      throw withCode(new UserError(`Registry ${this.host} is not reachable: ${reason}`), err.code);
    }
  }
}

function json(res: HttpResponse): unknown {
  try {
    return JSON.parse(res.body.toString('utf8')) as unknown;
  } catch {
    throw new UserError(`The registry answered with something that is not JSON (HTTP ${res.status})`);
  }
}

/** `Link: </v2/_catalog?last=b&n=200>; rel="next"` → the path. */
function nextLink(res: HttpResponse): string | undefined {
  const l = res.headers.link;
  const m = typeof l === 'string' ? /<([^>]+)>\s*;\s*rel="?next"?/.exec(l) : null;
  return m ? m[1] : undefined;
}

function withStatus<T extends Error>(e: T, status: number): T {
  (e as { statusCode?: number }).statusCode = status;
  return e;
}

function withCode<T extends Error>(e: T, code: string | undefined): T {
  if (code) (e as { errno?: string }).errno = code;
  return e;
}
