/**
 * Registry credentials the way the Docker CLI finds them: `credHelpers[host]`, else `credsStore`
 * (a `docker-credential-<name>` helper asked with `get`), else `auths[host].auth` in config.json.
 * Nothing is written: Podvisor stores what the user types in VS Code's SecretStorage, never here
 * and never in settings.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { Runner } from '../../common/process';
import type { Credentials } from './client';

export interface DockerConfigInput {
  /** The folder holding config.json (DOCKER_CONFIG or ~/.docker). */
  readonly configDir: string;
  readonly runner: Runner;
  readonly signal?: AbortSignal;
}

type Obj = Record<string, unknown>;
const isObj = (x: unknown): x is Obj => typeof x === 'object' && x !== null && !Array.isArray(x);

function readConfig(dir: string): Obj {
  try {
    const x = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8')) as unknown;
    return isObj(x) ? x : {};
  } catch {
    return {};
  }
}

/** The keys config.json may use for one registry (`host:port`, with or without https://, Docker Hub's own). */
function keysFor(host: string): string[] {
  const keys = [host, `https://${host}`, `http://${host}`, `https://${host}/v2/`, `https://${host}/v1/`];
  if (host === 'docker.io' || host === 'registry-1.docker.io' || host === 'index.docker.io')
    keys.push('https://index.docker.io/v1/');
  return keys;
}

/** A helper name goes into a binary name: letters, digits, `-`, `_`, `.` only. */
const HELPER_RE = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

export async function dockerConfigCredentials(
  host: string,
  input: DockerConfigInput,
): Promise<Credentials | undefined> {
  const cfg = readConfig(input.configDir);
  const helpers = isObj(cfg.credHelpers) ? cfg.credHelpers : {};
  for (const k of keysFor(host)) {
    const h = helpers[k];
    if (typeof h === 'string' && h) return fromHelper(h, k, input);
  }
  const auths = isObj(cfg.auths) ? cfg.auths : {};
  for (const k of keysFor(host)) {
    const a = auths[k];
    if (!isObj(a)) continue;
    if (typeof a.auth === 'string' && a.auth) {
      const text = Buffer.from(a.auth, 'base64').toString('utf8');
      const i = text.indexOf(':');
      if (i > 0) return { username: text.slice(0, i), password: text.slice(i + 1) };
    }
    if (typeof a.username === 'string' && typeof a.password === 'string')
      return { username: a.username, password: a.password };
  }
  if (typeof cfg.credsStore === 'string' && cfg.credsStore) {
    for (const k of keysFor(host)) {
      const c = await fromHelper(cfg.credsStore, k, input).catch(() => undefined);
      if (c) return c;
    }
  }
  return undefined;
}

/** `docker-credential-<helper> get` with the server URL on stdin; `{"Username","Secret"}` back. */
async function fromHelper(
  helper: string,
  server: string,
  input: DockerConfigInput,
): Promise<Credentials | undefined> {
  if (!HELPER_RE.test(helper)) throw new Error(`Not a credential helper name: ${JSON.stringify(helper)}`);
  const r = await input.runner.run(
    {
      command: `docker-credential-${helper}`,
      args: ['get'],
      input: server,
      timeoutMs: 15_000,
      okExitCodes: 'any',
      label: `docker-credential-${helper} get`,
    },
    input.signal,
  );
  // "credentials not found in native keychain" exits 1: no credentials, not an error.
  if (r.exitCode !== 0) return undefined;
  let x: unknown;
  try {
    x = JSON.parse(r.stdout);
  } catch {
    return undefined;
  }
  if (!isObj(x) || typeof x.Secret !== 'string') return undefined;
  const username = typeof x.Username === 'string' ? x.Username : '';
  return { username: username === '<token>' ? '' : username, password: x.Secret };
}
