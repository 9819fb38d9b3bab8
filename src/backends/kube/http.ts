/**
 * Requests to one API server with the credentials client-node works out from the kubeconfig
 * (tokens, client certificates, exec plugins with their caching, impersonation). client-node's
 * own request path makes a new TLS agent per call; this keeps one keep-alive agent per TLS
 * identity, so a tree of a dozen lists and watches shares a few connections. Headers carrying
 * credentials live only in the request; nothing here logs them.
 */
import * as http from 'http';
import * as https from 'https';
import type { KubeConfig } from '@kubernetes/client-node';
import { CancelledError } from '../../common/errors';
import { apiErrorOf, credentialsErrorOf, transportErrorOf, type KubeApiError } from './errors';

export type Query = Record<string, string | number | boolean | undefined>;

export interface RequestOptions {
  readonly query?: Query;
  readonly body?: unknown;
  /** Content type of the body: JSON by default; apply patches use application/apply-patch+yaml. */
  readonly contentType?: string;
  readonly signal?: AbortSignal;
  /** Liveness bound for the whole request (not for streams). */
  readonly timeoutMs?: number;
  /** What the request is for, for error messages ("list pods"). */
  readonly what?: string;
}

interface Prepared {
  readonly url: URL;
  readonly headers: Record<string, string>;
  readonly agent: http.Agent;
}

export class KubeHttp {
  readonly server: string;
  private agent?: { key: string; agent: http.Agent };

  constructor(
    readonly config: KubeConfig,
    readonly contextName: string,
  ) {
    this.server = config.getCurrentCluster()?.server ?? '';
  }

  /** Applies the kubeconfig's credentials (may run an exec plugin); reuses a keep-alive agent. */
  private async prepare(path: string, query?: Query): Promise<Prepared> {
    const url = new URL(this.server.replace(/\/$/, '') + path);
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    const opts: https.RequestOptions & { headers: Record<string, string> } = { headers: {} };
    try {
      await this.config.applyToHTTPSOptions(opts);
    } catch (e) {
      throw credentialsErrorOf(e, this.contextName);
    }
    const tls = {
      ca: opts.ca,
      cert: opts.cert,
      key: opts.key,
      rejectUnauthorized: opts.rejectUnauthorized,
      servername: (opts as { servername?: string }).servername,
    };
    const key = JSON.stringify([
      String(tls.ca ?? ''),
      String(tls.cert ?? ''),
      tls.rejectUnauthorized,
      tls.servername,
    ]);
    if (this.agent?.key !== key) {
      this.agent?.agent.destroy();
      const agent =
        url.protocol === 'http:'
          ? new http.Agent({ keepAlive: true })
          : new https.Agent({ keepAlive: true, ...tls });
      this.agent = { key, agent };
    }
    (opts.agent as http.Agent | undefined)?.destroy?.();
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(opts.headers ?? {})) headers[k] = String(v);
    const auth = (opts as { auth?: string }).auth;
    if (auth) headers.Authorization = `Basic ${Buffer.from(auth).toString('base64')}`;
    return { url, headers, agent: this.agent.agent };
  }

  private send(
    method: string,
    p: Prepared,
    body: Buffer | undefined,
    contentType: string | undefined,
    signal: AbortSignal | undefined,
  ): Promise<http.IncomingMessage> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(new CancelledError());
      const mod = p.url.protocol === 'http:' ? http : https;
      const req = mod.request(
        p.url,
        {
          method,
          agent: p.agent,
          headers: {
            ...p.headers,
            Accept: 'application/json',
            ...(body
              ? { 'Content-Type': contentType ?? 'application/json', 'Content-Length': body.length }
              : {}),
          },
        },
        resolve,
      );
      const onAbort = () => req.destroy(new CancelledError());
      signal?.addEventListener('abort', onAbort, { once: true });
      req.on('close', () => signal?.removeEventListener('abort', onAbort));
      req.on('error', (e) =>
        reject(signal?.aborted ? new CancelledError() : transportErrorOf(e, this.server)),
      );
      req.end(body);
    });
  }

  /** A JSON request; resolves with the parsed body of a 2xx answer, rejects with KubeApiError. */
  async request<T = unknown>(method: string, path: string, o: RequestOptions = {}): Promise<T> {
    const p = await this.prepare(path, o.query);
    const body =
      o.body === undefined
        ? undefined
        : Buffer.from(typeof o.body === 'string' ? o.body : JSON.stringify(o.body));
    const ac = new AbortController();
    const onAbort = () => ac.abort();
    o.signal?.addEventListener('abort', onAbort, { once: true });
    const timer = o.timeoutMs ? setTimeout(() => ac.abort(), o.timeoutMs) : undefined;
    try {
      const res = await this.send(method, p, body, o.contentType, ac.signal);
      const text = await readAll(res);
      const status = res.statusCode ?? 0;
      if (status < 200 || status > 299) throw apiErrorOf(status, text, o.what ?? `${method} ${path}`);
      return (text ? JSON.parse(text) : undefined) as T;
    } catch (e) {
      if (ac.signal.aborted && !o.signal?.aborted)
        throw transportErrorOf(
          Object.assign(new Error('request timed out'), { code: 'ETIMEDOUT' }),
          this.server,
        );
      throw e;
    } finally {
      if (timer) clearTimeout(timer);
      o.signal?.removeEventListener('abort', onAbort);
    }
  }

  /**
   * A streaming GET (watch): resolves with the response once the server answered 200;
   * rejects with KubeApiError otherwise. Abort the signal to end it.
   */
  async stream(path: string, query: Query, signal: AbortSignal, what: string): Promise<http.IncomingMessage> {
    const p = await this.prepare(path, query);
    const res = await this.send('GET', p, undefined, undefined, signal);
    if (res.statusCode !== 200) throw apiErrorOf(res.statusCode ?? 0, await readAll(res), what);
    return res;
  }

  /** What a WebSocket to `path` needs (wss URL, credential headers, TLS material) — for streams. */
  async webSocketOptions(
    path: string,
    query?: Query,
  ): Promise<{ url: string; options: https.RequestOptions }> {
    const opts: https.RequestOptions & { headers: Record<string, string> } = { headers: {} };
    try {
      await this.config.applyToHTTPSOptions(opts);
    } catch (e) {
      throw credentialsErrorOf(e, this.contextName);
    }
    (opts.agent as http.Agent | undefined)?.destroy?.();
    delete opts.agent;
    const url = new URL(this.server.replace(/\/$/, '') + path);
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    url.protocol = url.protocol === 'http:' ? 'ws:' : 'wss:';
    return { url: url.toString(), options: opts };
  }

  dispose(): void {
    this.agent?.agent.destroy();
    this.agent = undefined;
  }
}

function readAll(res: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    res.on('error', reject);
  });
}

export type { KubeApiError };
