/**
 * devcontainer.json variables: `${localEnv:X}` (and `${env:X}`), with `:default`;
 * `${localWorkspaceFolder}`, `${localWorkspaceFolderBasename}`, `${containerWorkspaceFolder}`,
 * `${containerWorkspaceFolderBasename}`, `${devcontainerId}`. `${containerEnv:X}` is only known
 * once the container runs: it stays in remoteEnv as written and is resolved by `containerEnvOf`.
 */
import * as crypto from 'crypto';
import * as path from 'path';

export interface VariableContext {
  readonly localWorkspaceFolder: string;
  readonly containerWorkspaceFolder: string;
  readonly env: NodeJS.ProcessEnv;
  readonly devcontainerId: string;
  /** Keep `${containerEnv:…}` as written (remoteEnv); elsewhere it is an error. */
  readonly keepContainerEnv?: boolean;
}

export class VariableError extends Error {}

const VAR = /\$\{([^}]+)\}/g;

export function substitute(s: string, v: VariableContext): string {
  return s.replace(VAR, (m, key: string) => {
    const [kind = '', ...rest] = key.split(':');
    switch (kind) {
      case 'localWorkspaceFolder':
        return v.localWorkspaceFolder;
      case 'localWorkspaceFolderBasename':
        return path.basename(v.localWorkspaceFolder);
      case 'containerWorkspaceFolder':
        return v.containerWorkspaceFolder;
      case 'containerWorkspaceFolderBasename':
        return path.posix.basename(v.containerWorkspaceFolder);
      case 'devcontainerId':
        return v.devcontainerId;
      case 'localEnv':
      case 'env': {
        const [name = '', ...def] = rest;
        return v.env[name] ?? def.join(':');
      }
      case 'containerEnv':
        if (v.keepContainerEnv) return m;
        throw new VariableError(`${m} is only known inside the container: use it in remoteEnv`);
      default:
        throw new VariableError(`unsupported variable ${m}`);
    }
  });
}

/** Resolves `${containerEnv:X[:default]}` in remoteEnv values against the container's environment. */
export function resolveContainerEnv(
  remoteEnv: Readonly<Record<string, string>>,
  containerEnv: Readonly<Record<string, string>>,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, val] of Object.entries(remoteEnv))
    out[k] = val.replace(/\$\{containerEnv:([^}:]+)(?::([^}]*))?\}/g, (_m, name: string, def?: string) => {
      return containerEnv[name] ?? def ?? '';
    });
  return out;
}

/** `KEY=VALUE` lines (an engine's Config.Env) → a map. */
export function envMap(lines: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const l of lines) {
    const i = l.indexOf('=');
    if (i > 0) out[l.slice(0, i)] = l.slice(i + 1);
  }
  return out;
}

/**
 * `${devcontainerId}` as the spec's label-based computation gives it (so it equals what the
 * Dev Containers CLI computes for the same folder and file): the id labels as sorted JSON,
 * SHA-256, base 32, left-padded to 52 characters.
 */
export function devcontainerId(localFolder: string, configFile: string): string {
  const labels: Record<string, string> = {
    'devcontainer.config_file': configFile,
    'devcontainer.local_folder': localFolder,
  };
  const text = JSON.stringify(labels, Object.keys(labels).sort());
  const hash = crypto.createHash('sha256').update(text, 'utf8').digest('hex');
  return BigInt(`0x${hash}`).toString(32).padStart(52, '0');
}
