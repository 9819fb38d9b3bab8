/**
 * Feature identifiers as the spec allows them: `./local` (a folder under .devcontainer),
 * `registry/namespace/name[:tag|@digest]` (OCI), `https://…/devcontainer-feature-x.tgz`.
 * Legacy forms (short ids like `node`, GitHub-release `owner/repo/name@1`) are refused with
 * what to write instead.
 */
import * as path from 'path';
import { UserError } from '../../common/errors';
import { DIGEST_RE, REPOSITORY_RE, TAG_RE } from '../../backends/registry/names';

export type ParsedFeatureRef =
  | { readonly kind: 'local'; readonly dir: string; readonly resource: string }
  | {
      readonly kind: 'oci';
      readonly registry: string;
      readonly repository: string;
      readonly tag?: string;
      readonly digest?: string;
      /** `registry/repository`, lowercase: the id without version. */
      readonly resource: string;
    }
  | { readonly kind: 'tarball'; readonly url: string; readonly resource: string };

const isRegistryHost = (h: string) => h.includes('.') || h.includes(':') || h === 'localhost';

export function parseFeatureRef(id: string, configDir: string): ParsedFeatureRef {
  const raw = id.trim();
  if (raw.startsWith('./') || raw.startsWith('../') || raw === '.') {
    const dir = path.resolve(configDir, raw);
    const rel = path.relative(configDir, dir);
    if (rel.startsWith('..') || rel === '')
      throw new UserError(
        `Feature "${id}": a local feature must be a folder inside ${configDir} (the folder of devcontainer.json)`,
      );
    return { kind: 'local', dir, resource: `./${rel.split(path.sep).join('/')}` };
  }
  if (path.isAbsolute(raw))
    throw new UserError(
      `Feature "${id}": a local feature may not be an absolute path; use ./name under .devcontainer`,
    );
  if (/^https:\/\//i.test(raw)) {
    if (!/\.tgz$/i.test(new URL(raw).pathname))
      throw new UserError(`Feature "${id}": a feature URL must point to a devcontainer-feature-<id>.tgz`);
    return { kind: 'tarball', url: raw, resource: raw.toLowerCase() };
  }
  if (/^http:\/\//i.test(raw)) throw new UserError(`Feature "${id}": features are fetched over https only`);
  const lower = raw.toLowerCase();
  let rest = lower;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
  }
  const slash = rest.indexOf('/');
  const host = slash > 0 ? rest.slice(0, slash) : '';
  if (!host || !isRegistryHost(host)) {
    if (!rest.includes('/'))
      throw new UserError(
        `Feature "${id}" is a legacy short id; name it by its registry, e.g. "ghcr.io/devcontainers/features/${rest}:1"`,
      );
    throw new UserError(
      `Feature "${id}" is a GitHub-release reference, which is deprecated; use its OCI name (registry/namespace/feature[:version])`,
    );
  }
  const repository = rest.slice(slash + 1);
  if (!REPOSITORY_RE.test(repository) || !repository.includes('/'))
    throw new UserError(`Feature "${id}": "${repository}" is not <namespace>/<feature>`);
  if (tag !== undefined && !TAG_RE.test(tag))
    throw new UserError(`Feature "${id}": "${tag}" is not a valid tag`);
  if (digest !== undefined && !DIGEST_RE.test(digest))
    throw new UserError(`Feature "${id}": "${digest}" is not a valid digest`);
  return {
    kind: 'oci',
    registry: host,
    repository,
    ...(tag !== undefined ? { tag } : {}),
    ...(digest !== undefined ? { digest } : {}),
    resource: `${host}/${repository}`,
  };
}

/** An id as installsAfter / overrideFeatureInstallOrder write it, without version: comparable to `resource`. */
export function resourceOf(id: string, configDir: string): string {
  try {
    return parseFeatureRef(id, configDir).resource;
  } catch {
    return id.toLowerCase().replace(/[:@].*$/, '');
  }
}
