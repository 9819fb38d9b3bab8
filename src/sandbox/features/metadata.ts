/**
 * devcontainer-feature.json, read with runtime checks (a feature is someone else's file): the
 * fields the launch acts on, each checked for its type; anything else is kept out.
 */
import { UserError } from '../../common/errors';
import { lifecycleOf } from '../lifecycle';
import type { FeatureRef, Lifecycle } from '../types';

export interface FeatureOption {
  readonly type: 'string' | 'boolean';
  readonly default?: string | boolean;
  readonly enum?: readonly string[];
  readonly proposals?: readonly string[];
}

export interface FeatureMeta {
  readonly id: string;
  readonly version: string;
  readonly name: string;
  readonly options: Readonly<Record<string, FeatureOption>>;
  readonly containerEnv: Readonly<Record<string, string>>;
  readonly privileged: boolean;
  readonly init: boolean;
  readonly capAdd: readonly string[];
  readonly securityOpt: readonly string[];
  readonly entrypoint?: string;
  /** Mounts as written (strings or objects); `${devcontainerId}` is substituted at launch. */
  readonly mounts: readonly unknown[];
  readonly dependsOn: readonly FeatureRef[];
  readonly installsAfter: readonly string[];
  readonly legacyIds: readonly string[];
  readonly deprecated: boolean;
  readonly lifecycle: Lifecycle;
}

type Obj = Record<string, unknown>;

export function parseFeatureMeta(x: unknown, where: string): FeatureMeta {
  if (typeof x !== 'object' || x === null || Array.isArray(x))
    throw new UserError(`${where}: devcontainer-feature.json must be an object`);
  const o = x as Obj;
  const bad = (k: string, want: string): never => {
    throw new UserError(`${where}: "${k}" must be ${want}`);
  };
  const str = (k: string, required = false): string | undefined => {
    const v = o[k];
    if (v === undefined) return required ? bad(k, 'a string (it is required)') : undefined;
    return typeof v === 'string' ? v : bad(k, 'a string');
  };
  const bool = (k: string): boolean => {
    const v = o[k];
    if (v === undefined) return false;
    return typeof v === 'boolean' ? v : bad(k, 'true or false');
  };
  const strings = (k: string): string[] => {
    const v = o[k];
    if (v === undefined) return [];
    return Array.isArray(v) && v.every((s) => typeof s === 'string') ? v : bad(k, 'a list of strings');
  };
  const record = (k: string): Obj => {
    const v = o[k];
    if (v === undefined) return {};
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : bad(k, 'an object');
  };
  const options: Record<string, FeatureOption> = {};
  for (const [name, raw] of Object.entries(record('options'))) {
    if (typeof raw !== 'object' || raw === null) bad(`options.${name}`, 'an object');
    const op = raw as Obj;
    const type =
      op.type === 'boolean'
        ? 'boolean'
        : op.type === 'string'
          ? 'string'
          : bad(`options.${name}.type`, '"string" or "boolean"');
    const def = op.default;
    if (def !== undefined && typeof def !== 'string' && typeof def !== 'boolean')
      bad(`options.${name}.default`, 'a string or true/false');
    const list = (k: string): string[] | undefined => {
      const v = op[k];
      if (v === undefined) return undefined;
      return Array.isArray(v) && v.every((s) => typeof s === 'string')
        ? v
        : bad(`options.${name}.${k}`, 'a list of strings');
    };
    const en = list('enum');
    const proposals = list('proposals');
    options[name] = {
      type,
      ...(def !== undefined ? { default: def as string | boolean } : {}),
      ...(en ? { enum: en } : {}),
      ...(proposals ? { proposals } : {}),
    };
  }
  const containerEnv: Record<string, string> = {};
  for (const [k, v] of Object.entries(record('containerEnv')))
    containerEnv[k] = typeof v === 'string' ? v : bad(`containerEnv.${k}`, 'a string');
  const dependsOn: FeatureRef[] = [];
  for (const [id, v] of Object.entries(record('dependsOn'))) {
    if (typeof v !== 'object' || v === null || Array.isArray(v))
      bad(`dependsOn["${id}"]`, 'an object of options');
    const opts: Record<string, string | boolean> = {};
    for (const [k, val] of Object.entries(v as Obj))
      opts[k] =
        typeof val === 'string' || typeof val === 'boolean'
          ? val
          : bad(`dependsOn["${id}"].${k}`, 'a string or true/false');
    dependsOn.push({ id, options: opts });
  }
  const mounts = o.mounts === undefined ? [] : Array.isArray(o.mounts) ? o.mounts : bad('mounts', 'a list');
  let lifecycle: Lifecycle;
  try {
    lifecycle = lifecycleOf(o, str('id', true) ?? '', '');
  } catch (e) {
    throw new UserError(`${where}: ${(e as Error).message}`);
  }
  const entrypoint = str('entrypoint');
  return {
    id: str('id', true) ?? '',
    version: str('version') ?? '',
    name: str('name') ?? str('id') ?? '',
    options,
    containerEnv,
    privileged: bool('privileged'),
    init: bool('init'),
    capAdd: strings('capAdd'),
    securityOpt: strings('securityOpt'),
    ...(entrypoint ? { entrypoint } : {}),
    mounts,
    dependsOn,
    installsAfter: strings('installsAfter'),
    legacyIds: strings('legacyIds'),
    deprecated: bool('deprecated'),
    lifecycle,
  };
}

/** Option name → the environment variable install.sh reads (the spec's substitution). */
export function optionEnvName(name: string): string {
  return name
    .replace(/[^\w_]/g, '_')
    .replace(/^[\d_]+/g, '_')
    .toUpperCase();
}

/**
 * The options install.sh gets: every declared option (the user's value or its default) and the
 * user's undeclared ones; an enum option with a value outside its list is refused.
 */
export function resolveOptions(
  meta: FeatureMeta,
  given: Readonly<Record<string, string | boolean>>,
  featureId: string,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, op] of Object.entries(meta.options)) {
    const v = given[name] ?? op.default;
    if (v === undefined) continue;
    if (op.enum && given[name] !== undefined && !op.enum.includes(String(v)))
      throw new UserError(
        `Feature ${featureId}: option "${name}" must be one of ${op.enum.join(', ')} (got "${String(v)}")`,
      );
    out[optionEnvName(name)] = String(v);
  }
  for (const [name, v] of Object.entries(given))
    if (!meta.options[name]) out[optionEnvName(name)] = String(v);
  return out;
}
