/**
 * What went wrong talking to an API server, in words a user can act on. Kubernetes answers
 * with a `Status` object (reason, message, details.causes); transport failures are Node errors
 * (ECONNREFUSED, TLS verification codes); exec credential plugins fail in client-node.
 */
export type KubeFailureKind =
  | 'unreachable'
  | 'tls'
  | 'unauthorized'
  | 'forbidden'
  | 'notFound'
  | 'gone'
  | 'conflict'
  | 'invalid'
  | 'credentials'
  | 'other';

export interface StatusCause {
  readonly reason?: string;
  readonly message?: string;
  readonly field?: string;
}

/** A failed request: the HTTP status (0 for transport failures) and the server's Status, parsed. */
export class KubeApiError extends Error {
  readonly code = 'PODVISOR_KUBE_API';
  constructor(
    message: string,
    readonly status: number,
    readonly kind: KubeFailureKind,
    readonly reason = '',
    readonly causes: readonly StatusCause[] = [],
  ) {
    super(message);
    this.name = 'KubeApiError';
  }
}

function kindOfStatus(status: number, reason: string): KubeFailureKind {
  if (status === 401) return 'unauthorized';
  if (status === 403) return 'forbidden';
  if (status === 404) return 'notFound';
  if (status === 410 || reason === 'Expired' || reason === 'Gone') return 'gone';
  if (status === 409) return 'conflict';
  if (status === 422 || status === 400) return 'invalid';
  return 'other';
}

/** Builds the error for a non-2xx answer from its body (a Status object when the server sent one). */
export function apiErrorOf(status: number, body: string, what: string): KubeApiError {
  let reason = '';
  let message = '';
  let causes: StatusCause[] = [];
  try {
    const s = JSON.parse(body) as {
      kind?: string;
      reason?: unknown;
      message?: unknown;
      details?: { causes?: unknown };
    };
    if (s && s.kind === 'Status') {
      reason = typeof s.reason === 'string' ? s.reason : '';
      message = typeof s.message === 'string' ? s.message : '';
      if (Array.isArray(s.details?.causes))
        causes = (s.details.causes as unknown[])
          .filter((c): c is Record<string, unknown> => typeof c === 'object' && c !== null)
          .map((c) => ({
            reason: typeof c.reason === 'string' ? c.reason : undefined,
            message: typeof c.message === 'string' ? c.message : undefined,
            field: typeof c.field === 'string' ? c.field : undefined,
          }));
    }
  } catch {
    /* not JSON: a proxy or an HTML error page */
  }
  const kind = kindOfStatus(status, reason);
  const text =
    kind === 'unauthorized'
      ? `the API server rejected the credentials (401 Unauthorized${message && message !== 'Unauthorized' ? `: ${message}` : ''}); check the token, client certificate or exec plugin of this context`
      : message || `${status} ${body.trim().slice(0, 200) || 'no body'}`;
  return new KubeApiError(`${what}: ${text}`, status, kind, reason, causes);
}

const UNREACHABLE = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
  'ECONNABORTED',
  'UND_ERR_SOCKET',
]);

/** A transport failure (no HTTP answer) as a KubeApiError with a reason a user can act on. */
export function transportErrorOf(e: unknown, server: string): KubeApiError {
  const err = e as { code?: string; message?: string };
  const code = err?.code ?? '';
  const msg = err?.message ?? String(e);
  if (UNREACHABLE.has(code) || /socket hang up|timed out/i.test(msg))
    return new KubeApiError(
      `Cannot reach the API server at ${server}: ${code || msg}`,
      0,
      'unreachable',
      code,
    );
  if (
    /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ALTNAME|ERR_TLS|SSL/i.test(code) ||
    /certificate|self[- ]signed/i.test(msg)
  )
    return new KubeApiError(
      `TLS verification of ${server} failed: ${msg} (check certificate-authority in the kubeconfig)`,
      0,
      'tls',
      code,
    );
  return new KubeApiError(`Request to ${server} failed: ${msg}`, 0, 'other', code);
}

/** An exec credential plugin (or other auth provider) that failed, with its own words. */
export function credentialsErrorOf(e: unknown, context: string): KubeApiError {
  const msg = (e as Error)?.message ?? String(e);
  return new KubeApiError(`Getting credentials for context "${context}" failed: ${msg}`, 0, 'credentials');
}

export function isKubeApiError(e: unknown): e is KubeApiError {
  return typeof e === 'object' && e !== null && (e as { code?: unknown }).code === 'PODVISOR_KUBE_API';
}
