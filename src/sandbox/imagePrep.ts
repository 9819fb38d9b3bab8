/**
 * The image a sandbox runs, for every level that starts from an image (containers, microVMs):
 * the Dockerfile built (or the image found, else pulled), then the features' layer and the
 * updateRemoteUserUID layer on top (both cached by content). Returns the image and the spec
 * with what the features contribute, privileges granted or refused.
 */
import * as os from 'os';
import * as path from 'path';
import type { DockerClient } from '../backends/docker/client';
import { pullImage } from '../backends/docker/imageOps';
import { UserError, isCancelled, messageOf } from '../common/errors';
import { processRunner, type Runner } from '../common/process';
import { applyFeatures, buildFeatureImage, resolveFeatures } from './features';
import { builtImageTag, LABEL } from './names';
import type { LaunchContext, PhaseRunner } from './phases';
import { grantPrivileges } from './privileges';
import type { ContainerSpec, SandboxSpec } from './types';
import { buildUidImage, uidTarget } from './uidLayer';

export interface ImagePrepOptions {
  /** Downloaded features (by digest). */
  readonly cacheDir?: string;
  readonly runner?: Runner;
  /** The Docker CLI config folder (registry credentials and CAs for features). */
  readonly dockerConfigDir?: string;
}

export interface PreparedImage {
  readonly image: string;
  readonly spec: SandboxSpec;
  /** Images built for this sandbox alone (removed with it): the Dockerfile's. */
  readonly built: readonly string[];
  readonly notes: readonly string[];
}

export const defaultCacheDir = (): string =>
  path.join(os.tmpdir(), `podvisor-cache-${typeof process.getuid === 'function' ? process.getuid() : 0}`);

/** Names only ever made on this machine (by Podvisor or its tests): never pulled from a registry. */
const LOCAL_ONLY = /^podvisor-[a-z0-9-]+(\/|:)/;

export async function ensureImage(client: DockerClient, ref: string, ctx: LaunchContext): Promise<void> {
  if (await client.imageConfig(ref, { signal: ctx.signal })) return;
  if (LOCAL_ONLY.test(ref))
    throw new UserError(
      `Image ${ref} is not on the engine; it is made locally and never pulled from a registry`,
    );
  try {
    await pullImage(client, ref, {
      signal: ctx.signal,
      onProgress: (p) => ctx.log.debug(`[pull] ${p.id ? `${p.id}: ` : ''}${p.status}`),
    });
  } catch (e) {
    if (isCancelled(e)) throw e;
    throw new UserError(`Image ${ref} is not on the engine and could not be pulled: ${messageOf(e)}`);
  }
}

export async function prepareImage(
  client: DockerClient,
  spec: SandboxSpec,
  c: ContainerSpec,
  phases: PhaseRunner,
  ctx: LaunchContext,
  o: ImagePrepOptions = {},
): Promise<PreparedImage> {
  const built: string[] = [];
  const notes: string[] = [];
  let image: string;
  if (c.build) {
    const b = c.build;
    const tag = builtImageTag(spec.name, c.name);
    built.push(
      await phases.run('build', `building ${tag}`, () =>
        client.build(
          {
            context: b.context,
            dockerfile: b.dockerfile,
            tag,
            args: b.args,
            ...(b.target ? { target: b.target } : {}),
            labels: { [LABEL.built]: spec.name },
          },
          {
            ...(ctx.signal ? { signal: ctx.signal } : {}),
            onLine: (l) => {
              ctx.output?.(l + '\n');
              ctx.log.info(`[build] ${l}`);
            },
          },
        ),
      ),
    );
    image = tag;
  } else if (c.image) {
    const ref = c.image;
    await phases.run('pull', `image ${ref}`, () => ensureImage(client, ref, ctx));
    image = ref;
  } else throw new UserError(`Container ${c.name} has no image`);

  let out: SandboxSpec;
  if (spec.features?.refs.length) {
    const base = image;
    const r = await phases.run('features', `${spec.features.refs.length} feature(s)`, async () => {
      const order = await resolveFeatures(spec, {
        cacheDir: o.cacheDir ?? defaultCacheDir(),
        runner: o.runner ?? processRunner,
        ...(o.dockerConfigDir ? { dockerConfigDir: o.dockerConfigDir } : {}),
        ...(ctx.signal ? { signal: ctx.signal } : {}),
      });
      ctx.log.info(
        `sandbox ${spec.name}: features in install order: ${order.map((n) => n.feature.ref.id).join(', ')}`,
      );
      // Refused privileges stop the launch before anything is built.
      const merged = grantPrivileges(applyFeatures(spec, order), ctx.allowPrivileges);
      const cfg = await client.imageConfig(base, { signal: ctx.signal });
      if (!cfg) throw new UserError(`Image ${base} disappeared from the engine`);
      const img = await buildFeatureImage(
        client,
        {
          base,
          baseId: cfg.id,
          imageUser: cfg.user,
          ...(c.user ? { containerUser: c.user } : {}),
          ...(spec.remoteUser ? { remoteUser: spec.remoteUser } : {}),
          features: order,
        },
        ctx,
      );
      ctx.log.info(`sandbox ${spec.name}: features image ${img.tag}${img.cached ? ' (cached)' : ''}`);
      return { merged, tag: img.tag };
    });
    out = r.merged;
    image = r.tag;
  } else out = grantPrivileges(spec, ctx.allowPrivileges);

  const local = ctx.localUser ?? {
    uid: typeof process.getuid === 'function' ? process.getuid() : 0,
    gid: typeof process.getgid === 'function' ? process.getgid() : 0,
  };
  const user = uidTarget(
    {
      ...(out.remoteUser ? { remoteUser: out.remoteUser } : {}),
      ...(c.user ? { containerUser: c.user } : {}),
      ...(out.updateRemoteUserUID !== undefined ? { updateRemoteUserUID: out.updateRemoteUserUID } : {}),
    },
    local,
  );
  if (user) {
    const base = image;
    image = await phases.run('features', `uid of ${user} → ${local.uid}`, async () => {
      const cfg = await client.imageConfig(base, { signal: ctx.signal });
      if (!cfg) throw new UserError(`Image ${base} disappeared from the engine`);
      return (
        await buildUidImage(
          client,
          { base, baseId: cfg.id, imageUser: cfg.user, user, uid: local.uid, gid: local.gid },
          ctx,
        )
      ).tag;
    });
  }
  return { image, spec: out, built, notes };
}
