/**
 * The distribution spec's grammar for repository names and tags, and image references split into
 * registry / repository / tag. Names go into URL paths: anything else is refused before a request.
 */

const COMPONENT = '[a-z0-9]+(?:(?:\\.|_|__|-+)[a-z0-9]+)*';
export const REPOSITORY_RE = new RegExp(`^${COMPONENT}(?:/${COMPONENT})*$`);
export const TAG_RE = /^[\w][\w.-]{0,127}$/;
export const DIGEST_RE = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;

export function validateRepository(name: string): string | undefined {
  if (!name) return 'A repository name must not be empty.';
  if (name.length > 255) return 'A repository name must be at most 255 characters.';
  if (!REPOSITORY_RE.test(name))
    return 'A repository name is lowercase letters, digits and single separators (".", "_", "__", "-"), in "/"-separated parts.';
  return undefined;
}

export function validateTag(tag: string): string | undefined {
  if (!TAG_RE.test(tag))
    return 'A tag is up to 128 letters, digits, "_", "." and "-", not starting with "." or "-".';
  return undefined;
}

export function assertRepository(name: string): string {
  const bad = validateRepository(name);
  if (bad) throw new Error(`${bad} (${JSON.stringify(name)})`);
  return name;
}

export function assertReference(ref: string): string {
  if (TAG_RE.test(ref) || DIGEST_RE.test(ref)) return ref;
  throw new Error(`Not a tag or digest: ${JSON.stringify(ref)}`);
}

export interface ImageReference {
  /** `host[:port]`, or undefined for Docker Hub. */
  readonly registry?: string;
  readonly repository: string;
  readonly tag?: string;
  readonly digest?: string;
}

/** Splits `host:port/repo/name:tag@digest` the way the Docker CLI does (a first part with `.` or `:` or `localhost` is a registry). */
export function parseImageReference(ref: string): ImageReference | undefined {
  let rest = ref.trim();
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST_RE.test(digest)) return undefined;
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG_RE.test(tag)) return undefined;
  }
  let registry: string | undefined;
  const slash = rest.indexOf('/');
  if (slash > 0) {
    const first = rest.slice(0, slash);
    if (first.includes('.') || first.includes(':') || first === 'localhost') {
      registry = first;
      rest = rest.slice(slash + 1);
    }
  }
  if (!REPOSITORY_RE.test(rest)) return undefined;
  return { registry, repository: rest, tag, digest };
}

export function formatImageReference(r: ImageReference): string {
  return `${r.registry ? `${r.registry}/` : ''}${r.repository}${r.tag ? `:${r.tag}` : ''}${r.digest ? `@${r.digest}` : ''}`;
}
