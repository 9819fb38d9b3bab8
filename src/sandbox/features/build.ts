/**
 * Features built into an image layer on top of the base image: a build context with each
 * feature's folder, its options as devcontainer-features.env, its containerEnv as ENV, and our
 * install script (the spec's _REMOTE_USER/_CONTAINER_USER variables and their homes, then
 * install.sh as root). The result is cached by a key over the base image id, each feature's
 * contents and options, the order and the users: the same inputs never build twice.
 */
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { DockerClient } from '../../backends/docker/client';
import { UserError, isCancelled, messageOf } from '../../common/errors';
import type { LaunchContext } from '../phases';
import type { FeatureNode } from './order';
import { resolveOptions } from './metadata';

/** Bump when the generated Dockerfile changes meaning: old cached layers are then not reused. */
const GENERATOR = 1;
export const FEATURE_CACHE_LABEL = 'dev.podvisor.cache';

const INSTALL_SH = `set -e
dir=/tmp/podvisor-features/$1
echo "[podvisor] installing feature $2"
home_of() {
  h=
  while IFS=: read -r n _p u _g _c hd _s; do
    if [ "$n" = "$1" ] || [ "$u" = "$1" ]; then h=$hd; break; fi
  done < /etc/passwd
  echo "\${h:-/root}"
}
_CONTAINER_USER=\${3:-root}
_REMOTE_USER=\${4:-$_CONTAINER_USER}
_CONTAINER_USER_HOME=$(home_of "$_CONTAINER_USER")
_REMOTE_USER_HOME=$(home_of "$_REMOTE_USER")
export _CONTAINER_USER _REMOTE_USER _CONTAINER_USER_HOME _REMOTE_USER_HOME
cd "$dir"
set -a
. ./devcontainer-features.env
set +a
chmod +x ./install.sh
./install.sh
`;

/** `"…"` for sh, with what sh expands inside double quotes escaped. */
function shDouble(s: string): string {
  return `"${s.replace(/[\\"$`]/g, (c) => `\\${c}`)}"`;
}

/** ENV value for a Dockerfile: double-quoted, `$VAR` expansion kept (features write `${PATH}`). */
function dockerfileEnv(s: string): string {
  return `"${s.replace(/[\\"]/g, (c) => `\\${c}`).replace(/\n/g, '\\n')}"`;
}

export interface FeatureBuildInput {
  readonly base: string;
  readonly baseId: string;
  /** The image's own USER (restored after the installs). */
  readonly imageUser: string;
  readonly containerUser?: string;
  readonly remoteUser?: string;
  readonly features: readonly FeatureNode[];
}

export function featureCacheKey(i: FeatureBuildInput): string {
  const h = crypto.createHash('sha256');
  h.update(
    JSON.stringify({
      g: GENERATOR,
      base: i.baseId,
      cu: i.containerUser ?? '',
      ru: i.remoteUser ?? '',
      iu: i.imageUser,
      f: i.features.map((n) => ({
        id: n.feature.parsed.resource,
        c: n.feature.contentId,
        o: Object.entries(n.feature.ref.options).sort(([a], [b]) => a.localeCompare(b)),
      })),
    }),
  );
  return h.digest('hex');
}

export function featureImageTag(key: string): string {
  return `podvisor-features:${key.slice(0, 32)}`;
}

/** The build context: Dockerfile, the install script, one folder per feature. Returns its folder. */
function writeContext(i: FeatureBuildInput): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pv-features-'));
  fs.writeFileSync(path.join(dir, 'pv-install.sh'), INSTALL_SH);
  const lines = [`FROM ${i.base}`, 'USER root', 'COPY pv-install.sh /tmp/podvisor-features/pv-install.sh'];
  for (const [idx, n] of i.features.entries()) {
    const f = n.feature;
    const sub = path.join(dir, String(idx));
    fs.cpSync(f.dir, sub, { recursive: true, dereference: true });
    const opts = resolveOptions(f.meta, f.ref.options, f.ref.id);
    fs.writeFileSync(
      path.join(sub, 'devcontainer-features.env'),
      Object.entries(opts)
        .map(([k, v]) => `${k}=${shDouble(v)}`)
        .join('\n') + '\n',
    );
    lines.push(`COPY ${idx}/ /tmp/podvisor-features/${idx}/`);
    const env = Object.entries(f.meta.containerEnv);
    if (env.length) lines.push(`ENV ${env.map(([k, v]) => `${k}=${dockerfileEnv(v)}`).join(' ')}`);
    lines.push(
      `RUN ${JSON.stringify(['/bin/sh', '/tmp/podvisor-features/pv-install.sh', String(idx), f.ref.id, i.containerUser ?? i.imageUser, i.remoteUser ?? ''])}`,
    );
  }
  if (i.imageUser) lines.push(`USER ${i.imageUser}`);
  fs.writeFileSync(path.join(dir, 'Dockerfile'), lines.join('\n') + '\n');
  return dir;
}

/**
 * The image with the features installed: the cached one for the same inputs, else built now.
 * A failed install names the feature and ends with its output; nothing of the build is left.
 */
export async function buildFeatureImage(
  client: DockerClient,
  i: FeatureBuildInput,
  ctx: LaunchContext,
): Promise<{ tag: string; cached: boolean }> {
  const key = featureCacheKey(i);
  const tag = featureImageTag(key);
  if (await client.imageConfig(tag, { signal: ctx.signal })) return { tag, cached: true };
  const dir = writeContext(i);
  let current: string | undefined;
  let tail: string[] = [];
  try {
    await client.build(
      {
        context: dir,
        dockerfile: 'Dockerfile',
        tag,
        args: {},
        labels: { [FEATURE_CACHE_LABEL]: 'features', 'dev.podvisor.features.key': key },
      },
      {
        ...(ctx.signal ? { signal: ctx.signal } : {}),
        onLine: (l) => {
          const m = /^\[podvisor\] installing feature (.+)$/.exec(l.trim());
          if (m?.[1]) {
            current = m[1];
            tail = [];
          } else tail = [...tail, l].slice(-6);
          ctx.output?.(l + '\n');
          ctx.log.info(`[features] ${l}`);
        },
      },
    );
  } catch (e) {
    if (isCancelled(e) || ctx.signal?.aborted) throw e;
    const out = tail.filter((l) => !/^(Removing intermediate|\s*--->)/.test(l)).join(' | ');
    if (current)
      throw new UserError(
        `Feature ${current} failed to install: ${messageOf(e)}${out ? ` (its output: ${out})` : ''}`,
      );
    throw new UserError(`Building the features failed: ${messageOf(e)}`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return { tag, cached: false };
}
