/**
 * What devcontainer.json or a feature asks for beyond the hardened default (privileged mode,
 * capabilities outside the safe set, security options) is refused unless the user allowed that
 * origin in podvisor.sandbox.allowPrivileges (a user setting: a workspace cannot allow itself).
 */
import { UserError } from '../common/errors';
import type { PrivilegeRequest, SandboxSpec } from './types';

function describe(r: PrivilegeRequest): string {
  const parts: string[] = [];
  if (r.privileged) parts.push('privileged mode (every capability and host device)');
  if (r.capAdd?.length) parts.push(`capabilities ${r.capAdd.join(', ')}`);
  if (r.securityOpt?.length) parts.push(`security options ${r.securityOpt.join(', ')}`);
  return parts.join(', ');
}

const allows = (allowed: readonly string[], origin: string) =>
  allowed.includes('*') || allowed.some((a) => a.toLowerCase() === origin.toLowerCase());

/** The spec with the allowed requests granted; a UserError naming every refused one. */
export function grantPrivileges(spec: SandboxSpec, allowed: readonly string[] = []): SandboxSpec {
  const reqs = spec.privilegeRequests ?? [];
  if (!reqs.length) return spec;
  const refused = reqs.filter((r) => !allows(allowed, r.origin));
  if (refused.length)
    throw new UserError(
      `Podvisor's sandbox hardening refuses ${refused
        .map(
          (r) =>
            `${r.origin === 'devcontainer.json' ? 'devcontainer.json' : `feature ${r.origin}`} asking for ${describe(r)}`,
        )
        .join(
          '; ',
        )}. To allow it, add ${refused.map((r) => JSON.stringify(r.origin)).join(', ')} to the user setting podvisor.sandbox.allowPrivileges.`,
    );
  return {
    ...spec,
    privileged: spec.privileged === true || reqs.some((r) => r.privileged),
    capAdd: [...new Set([...spec.capAdd, ...reqs.flatMap((r) => r.capAdd ?? [])])],
    securityOpt: [...new Set([...(spec.securityOpt ?? []), ...reqs.flatMap((r) => r.securityOpt ?? [])])],
  };
}
