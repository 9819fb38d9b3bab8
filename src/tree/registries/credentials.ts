import * as os from 'os';
import * as fs from 'fs';
import type { Credentials } from '../../backends/registry/client';
import type { RegistrySetting } from '../../common/settings/registries';
import { processRunner } from '../../common/process';
import type { Services } from '../../host/services';

/** SecretStorage key of a registry's password (per URL; the user name is in settings or beside it). */
export function secretKey(url: string): string {
  return `podvisor.registry:${url}`;
}

/**
 * Credentials for `host` (`host:port`): what Log In to Registry stored in SecretStorage, else the
 * Docker config (credHelpers, credsStore, auths) — never settings.
 */
export async function credentialsFor(svc: Services, host: string): Promise<Credentials | undefined> {
  const reg = svc.settings.current.registries.registries.find((r) => new URL(r.url).host === host);
  const stored = reg ? await svc.context.secrets.get(secretKey(reg.url)) : undefined;
  if (stored) {
    try {
      const x = JSON.parse(stored) as { username?: unknown; password?: unknown };
      if (typeof x.password === 'string')
        return {
          username: typeof x.username === 'string' ? x.username : (reg?.username ?? ''),
          password: x.password,
        };
    } catch {
      /* not ours: ignore */
    }
  }
  const m = svc.containers.module();
  const configDir = m.dockerConfigDir({ env: process.env, home: os.homedir() });
  return m.dockerConfigCredentials(host, { configDir, runner: processRunner });
}

/** A RegistryClient for a registry of the settings. */
export function registryClient(svc: Services, reg: RegistrySetting) {
  const m = svc.containers.module();
  const host = new URL(reg.url).host;
  return new m.RegistryClient(
    {
      url: reg.url,
      ca: reg.caFile ? fs.readFileSync(reg.caFile) : undefined,
      insecureSkipVerify: reg.insecureSkipVerify,
    },
    () => credentialsFor(svc, host),
  );
}

/** The engine's X-Registry-Auth for `host`, when there are credentials. */
export async function engineAuth(svc: Services, host: string) {
  const c = await credentialsFor(svc, host);
  return c ? { username: c.username, password: c.password, serveraddress: host } : undefined;
}
