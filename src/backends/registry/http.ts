/**
 * One HTTP(S) request to a registry, with an AbortSignal, a bounded body and the few headers the
 * registry API v2 needs. Node's own http/https: no dependency, and the CA of a private registry
 * is passed per request (never trusted process-wide).
 */
import * as http from 'http';
import * as https from 'https';

export interface HttpRequest {
  readonly method: 'GET' | 'HEAD' | 'DELETE';
  readonly url: string;
  readonly headers?: Record<string, string>;
  /** PEM of an extra CA for this registry. */
  readonly ca?: Buffer;
  readonly insecureSkipVerify?: boolean;
  readonly signal?: AbortSignal;
  readonly timeoutMs?: number;
  /** Larger bodies are refused (a catalog page or a manifest is small). */
  readonly maxBytes?: number;
}

export interface HttpResponse {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: Buffer;
}

export class HttpError extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
  ) {
    super(message);
  }
}

export function request(r: HttpRequest): Promise<HttpResponse> {
  return new Promise((resolve, reject) => {
    const u = new URL(r.url);
    const lib = u.protocol === 'https:' ? https : http;
    const max = r.maxBytes ?? 8 * 1024 * 1024;
    const req = lib.request(
      u,
      {
        method: r.method,
        headers: r.headers,
        signal: r.signal,
        timeout: r.timeoutMs ?? 15_000,
        ...(u.protocol === 'https:' ? { ca: r.ca, rejectUnauthorized: !r.insecureSkipVerify } : {}),
      },
      (res) => {
        const chunks: Buffer[] = [];
        let n = 0;
        res.on('data', (c: Buffer) => {
          n += c.length;
          if (n > max) {
            req.destroy(new HttpError(`response larger than ${max} bytes`, 'ETOOBIG'));
            return;
          }
          chunks.push(c);
        });
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
        );
        res.on('error', reject);
      },
    );
    req.on('timeout', () =>
      req.destroy(new HttpError(`no answer within ${r.timeoutMs ?? 15_000} ms`, 'ETIMEDOUT')),
    );
    req.on('error', (e: NodeJS.ErrnoException) => reject(e));
    req.end();
  });
}
