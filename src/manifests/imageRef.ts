/**
 * OCI/Docker image reference syntax (distribution/reference): `[host[:port]/]path[:tag][@digest]`.
 * Returns what is wrong, or undefined for a valid reference.
 */
const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const HOST =
  /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*(?::\d+)?$|^\[[0-9a-fA-F:]+\](?::\d+)?$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[0-9a-fA-F]{32,}$/;

export function imageRefProblem(ref: string): string | undefined {
  if (ref.length === 0) return 'the image reference is empty';
  if (ref.trim() !== ref || /\s/.test(ref)) return 'image references contain no spaces';
  if (ref.length > 4096) return 'the image reference is too long';
  let rest = ref;
  const at = rest.indexOf('@');
  if (at >= 0) {
    if (!DIGEST.test(rest.slice(at + 1)))
      return `\`${rest.slice(at + 1)}\` is not a valid digest (e.g. sha256:<64 hex>)`;
    rest = rest.slice(0, at);
  }
  const slash = rest.lastIndexOf('/');
  const colon = rest.lastIndexOf(':');
  if (colon > slash) {
    const tag = rest.slice(colon + 1);
    if (!TAG.test(tag)) return `\`${tag}\` is not a valid tag`;
    rest = rest.slice(0, colon);
  }
  const parts = rest.split('/');
  const host = parts[0] ?? '';
  if (
    parts.length > 1 &&
    (host.includes('.') || host.includes(':') || host === 'localhost' || host.startsWith('['))
  ) {
    if (!HOST.test(host)) return `\`${host}\` is not a valid registry host`;
    parts.shift();
  }
  for (const p of parts) {
    if (!p) return 'the image path has an empty component';
    if (!COMPONENT.test(p))
      return /[A-Z]/.test(p)
        ? `\`${p}\`: repository names must be lowercase`
        : `\`${p}\` is not a valid repository name component`;
  }
  return undefined;
}
