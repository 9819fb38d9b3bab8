/**
 * Publishes a Dev Container feature to the test registry the way the spec's distribution
 * section describes (an OCI manifest with an empty `application/vnd.devcontainers` config,
 * one `application/vnd.devcontainers.layer.v1+tar` layer, the metadata as the
 * `dev.containers.metadata` annotation), with the test's own code: tar by the host's tar,
 * then the registry API v2 (monolithic blob upload, manifest PUT) over TLS with Basic auth.
 */
import { execFileSync } from 'child_process';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as https from 'https';
import * as path from 'path';
import type { TestRegistry } from './env';

function call(
  reg: TestRegistry,
  method: string,
  url: string,
  body?: Buffer,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const u = new URL(url, reg.url);
    const req = https.request(
      u,
      {
        method,
        ca: fs.readFileSync(reg.ca),
        headers: {
          Authorization: `Basic ${Buffer.from(`${reg.user}:${reg.password}`).toString('base64')}`,
          ...(body ? { 'Content-Length': String(body.length) } : {}),
          ...headers,
        },
      },
      (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

async function pushBlob(reg: TestRegistry, repo: string, data: Buffer): Promise<string> {
  const digest = `sha256:${crypto.createHash('sha256').update(data).digest('hex')}`;
  const start = await call(reg, 'POST', `/v2/${repo}/blobs/uploads/`);
  const loc = start.headers.location;
  if (start.status !== 202 || typeof loc !== 'string')
    throw new Error(`upload start: ${start.status} ${start.body}`);
  const u = new URL(loc, reg.url);
  u.searchParams.set('digest', digest);
  const put = await call(reg, 'PUT', u.toString(), data, { 'Content-Type': 'application/octet-stream' });
  if (put.status !== 201) throw new Error(`blob put: ${put.status} ${put.body}`);
  return digest;
}

/** Pushes the feature folder `dir` as `repo:tag` (each tag in `tags`); returns the manifest digest. */
export async function pushFeature(
  reg: TestRegistry,
  repo: string,
  tags: string[],
  dir: string,
): Promise<string> {
  const meta = fs.readFileSync(path.join(dir, 'devcontainer-feature.json'), 'utf8');
  const id = (JSON.parse(meta) as { id: string }).id;
  const tar = execFileSync('tar', ['-C', dir, '-c', '--owner=0', '--group=0', '.'], {
    maxBuffer: 64 * 1024 * 1024,
  });
  const layer = await pushBlob(reg, repo, tar);
  const config = await pushBlob(reg, repo, Buffer.alloc(0));
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.devcontainers', digest: config, size: 0 },
      layers: [
        {
          mediaType: 'application/vnd.devcontainers.layer.v1+tar',
          digest: layer,
          size: tar.length,
          annotations: { 'org.opencontainers.image.title': `devcontainer-feature-${id}.tgz` },
        },
      ],
      annotations: { 'dev.containers.metadata': meta },
    }),
  );
  for (const t of tags) {
    const r = await call(reg, 'PUT', `/v2/${repo}/manifests/${t}`, manifest, {
      'Content-Type': 'application/vnd.oci.image.manifest.v1+json',
    });
    if (r.status !== 201) throw new Error(`manifest put: ${r.status} ${r.body}`);
  }
  return `sha256:${crypto.createHash('sha256').update(manifest).digest('hex')}`;
}

/** A Docker CLI config folder that trusts the test CA for the registry and holds its credentials. */
export function registryDockerConfig(reg: TestRegistry, dir: string): string {
  fs.mkdirSync(path.join(dir, 'certs.d', reg.address), { recursive: true });
  fs.copyFileSync(reg.ca, path.join(dir, 'certs.d', reg.address, 'ca.crt'));
  fs.writeFileSync(
    path.join(dir, 'config.json'),
    JSON.stringify({
      auths: { [reg.address]: { auth: Buffer.from(`${reg.user}:${reg.password}`).toString('base64') } },
    }),
  );
  return dir;
}
