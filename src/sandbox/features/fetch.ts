/**
 * Gets a feature's files into a folder: a local feature is read where it is; an OCI feature's
 * layer (application/vnd.devcontainers.layer.v1+tar) is downloaded from its registry, checked
 * against its digest and unpacked into a cache keyed by the manifest digest; a tarball URL is
 * cached by the hash of its bytes. Registry credentials and CAs come from the Docker CLI's
 * config (config.json auths/helpers, certs.d/<host>/ca.crt); a loopback registry without a CA
 * is reached without verifying its certificate, as the Docker engine does.
 */
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Readable } from 'stream';
import { RegistryClient } from '../../backends/registry/client';
import { dockerConfigCredentials } from '../../backends/registry/credentials';
import { request } from '../../backends/registry/http';
import { UserError, isCancelled, messageOf } from '../../common/errors';
import type { Runner } from '../../common/process';
import { untar } from '../untar';
import type { FeatureRef } from '../types';
import { parseFeatureMeta, type FeatureMeta } from './metadata';
import { parseFeatureRef, type ParsedFeatureRef } from './ref';

export const FEATURE_LAYER = 'application/vnd.devcontainers.layer.v1+tar';

export interface FetchOptions {
  /** Where downloaded features are unpacked (by digest). */
  readonly cacheDir: string;
  readonly runner: Runner;
  /** The Docker CLI config folder (credentials, certs.d); default DOCKER_CONFIG or ~/.docker. */
  readonly dockerConfigDir?: string;
  readonly signal?: AbortSignal;
}

export interface FetchedFeature {
  readonly ref: FeatureRef;
  readonly parsed: ParsedFeatureRef;
  readonly dir: string;
  readonly meta: FeatureMeta;
  /** What identifies its contents: the manifest digest, or a hash of its files. */
  readonly contentId: string;
}

const isLoopback = (host: string) => /^(127\.\d+\.\d+\.\d+|localhost|\[::1\])(:\d+)?$/.test(host);

export function dockerConfigDir(explicit?: string): string {
  return explicit ?? process.env.DOCKER_CONFIG ?? path.join(os.homedir(), '.docker');
}

function registryCa(host: string, configDir: string): Buffer | undefined {
  for (const d of [path.join(configDir, 'certs.d', host), path.join('/etc/docker/certs.d', host)]) {
    const f = path.join(d, 'ca.crt');
    if (fs.existsSync(f)) return fs.readFileSync(f);
  }
  return undefined;
}

/** A hash of every file (path, mode, contents) under `dir`, in a stable order. */
export function hashDir(dir: string): string {
  const h = crypto.createHash('sha256');
  const walk = (d: string, rel: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = path.join(d, e.name);
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(p, r);
      else if (e.isFile()) {
        h.update(`${r}\0${fs.statSync(p).mode & 0o777}\0`);
        h.update(fs.readFileSync(p));
        h.update('\0');
      }
    }
  };
  walk(dir, '');
  return `sha256:${h.digest('hex')}`;
}

function readMeta(dir: string, id: string): FeatureMeta {
  const f = path.join(dir, 'devcontainer-feature.json');
  let text: string;
  try {
    text = fs.readFileSync(f, 'utf8');
  } catch {
    throw new UserError(`Feature ${id}: no devcontainer-feature.json in ${dir}`);
  }
  let x: unknown;
  try {
    x = JSON.parse(text);
  } catch (e) {
    throw new UserError(`Feature ${id}: ${f} is not JSON (${(e as Error).message})`);
  }
  const meta = parseFeatureMeta(x, `Feature ${id}`);
  if (!fs.existsSync(path.join(dir, 'install.sh')))
    throw new UserError(`Feature ${id}: no install.sh in ${dir}`);
  return meta;
}

/** Unpacks a feature archive (tar, or gzip'd tar) into `dest` through the host's tar. */
async function unpack(bytes: Buffer, dest: string, o: FetchOptions): Promise<void> {
  const tmp = `${dest}.tmp-${process.pid}-${Date.now()}`;
  fs.mkdirSync(tmp, { recursive: true });
  try {
    const gz = bytes[0] === 0x1f && bytes[1] === 0x8b;
    await untar(
      o.runner,
      Readable.from([bytes]),
      ['-x', ...(gz ? ['-z'] : []), '--no-same-owner', '-f', '-', '-C', tmp],
      o.signal,
    );
    fs.rmSync(dest, { recursive: true, force: true });
    fs.renameSync(tmp, dest);
  } catch (e) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
}

export async function fetchFeature(
  ref: FeatureRef,
  configDir: string,
  o: FetchOptions,
): Promise<FetchedFeature> {
  const parsed = parseFeatureRef(ref.id, configDir);
  if (parsed.kind === 'local') {
    if (!fs.existsSync(parsed.dir) || !fs.statSync(parsed.dir).isDirectory())
      throw new UserError(`Feature ${ref.id}: the folder ${parsed.dir} does not exist`);
    const meta = readMeta(parsed.dir, ref.id);
    return { ref, parsed, dir: parsed.dir, meta, contentId: hashDir(parsed.dir) };
  }
  if (parsed.kind === 'tarball') {
    const res = await request({
      method: 'GET',
      url: parsed.url,
      signal: o.signal,
      maxBytes: 64 * 1024 * 1024,
    }).catch((e: unknown) => {
      if (isCancelled(e)) throw e;
      throw new UserError(`Feature ${ref.id}: cannot download it: ${messageOf(e)}`);
    });
    if (res.status !== 200) throw new UserError(`Feature ${ref.id}: the server answered ${res.status}`);
    const digest = `sha256:${crypto.createHash('sha256').update(res.body).digest('hex')}`;
    const dir = path.join(o.cacheDir, 'features', 'tgz', digest.slice(7));
    if (!fs.existsSync(path.join(dir, 'devcontainer-feature.json'))) await unpack(res.body, dir, o);
    return { ref, parsed, dir, meta: readMeta(dir, ref.id), contentId: digest };
  }
  const cfg = dockerConfigDir(o.dockerConfigDir);
  const ca = registryCa(parsed.registry, cfg);
  const client = new RegistryClient(
    {
      url: `https://${parsed.registry}`,
      ...(ca ? { ca } : {}),
      ...(!ca && isLoopback(parsed.registry) ? { insecureSkipVerify: true } : {}),
    },
    () =>
      dockerConfigCredentials(parsed.registry, {
        configDir: cfg,
        runner: o.runner,
        ...(o.signal ? { signal: o.signal } : {}),
      }),
  );
  const reference = parsed.digest ?? parsed.tag ?? 'latest';
  const where = `Feature ${ref.id}`;
  const m = await client
    .manifest(parsed.repository, reference, {
      accept: 'application/vnd.oci.image.manifest.v1+json',
      ...(o.signal ? { signal: o.signal } : {}),
    })
    .catch((e: unknown) => {
      if (isCancelled(e)) throw e;
      throw new UserError(`${where} cannot be resolved: ${messageOf(e)}`);
    });
  const dir = path.join(o.cacheDir, 'features', 'oci', m.digest.replace(/^sha256:/, ''));
  if (!fs.existsSync(path.join(dir, 'devcontainer-feature.json'))) {
    let manifest: { layers?: Array<{ mediaType?: unknown; digest?: unknown }> };
    try {
      manifest = JSON.parse(m.body.toString('utf8')) as typeof manifest;
    } catch {
      throw new UserError(`${where}: the registry's manifest is not JSON`);
    }
    const layer = (manifest.layers ?? []).find((l) => l.mediaType === FEATURE_LAYER);
    if (!layer || typeof layer.digest !== 'string')
      throw new UserError(
        `${where}: ${parsed.resource}:${reference} is not a Dev Container feature (no ${FEATURE_LAYER} layer)`,
      );
    const bytes = await client.blob(parsed.repository, layer.digest, {
      maxBytes: 64 * 1024 * 1024,
      ...(o.signal ? { signal: o.signal } : {}),
    });
    await unpack(bytes, dir, o);
  }
  return { ref, parsed, dir, meta: readMeta(dir, ref.id), contentId: m.digest };
}
