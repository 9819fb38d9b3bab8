import type { SettingReader } from './read';

/** One registry of `podvisor.registries`. No secret here: passwords live in SecretStorage. */
export interface RegistrySetting {
  /** `https://host[:port]` (normalised, no path). */
  readonly url: string;
  readonly name: string;
  readonly username?: string;
  readonly caFile?: string;
  readonly insecureSkipVerify: boolean;
}

export interface RegistrySettings {
  readonly registries: readonly RegistrySetting[];
}

export function readRegistrySettings(get: SettingReader): RegistrySettings {
  const v = get('podvisor.registries');
  const out: RegistrySetting[] = [];
  const seen = new Set<string>();
  for (const x of Array.isArray(v) ? v : []) {
    const o =
      typeof x === 'string'
        ? { url: x }
        : typeof x === 'object' && x !== null
          ? (x as Record<string, unknown>)
          : {};
    let url: URL;
    try {
      url = new URL(
        typeof o.url === 'string' ? (/^[a-z]+:\/\//.test(o.url) ? o.url : `https://${o.url}`) : '',
      );
    } catch {
      continue;
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') continue;
    const norm = `${url.protocol}//${url.host}`;
    if (seen.has(norm)) continue;
    seen.add(norm);
    const str = (k: string) => (typeof o[k] === 'string' && o[k].trim() ? o[k].trim() : undefined);
    out.push({
      url: norm,
      name: str('name') ?? url.host,
      username: str('username'),
      caFile: str('caFile'),
      insecureSkipVerify: o.insecureSkipVerify === true,
    });
  }
  return { registries: out };
}
