/**
 * Container images for the test node, made from local files (no registry is reachable): one
 * busybox-static layer, written as an OCI image layout archive that `ctr images import` reads.
 * Several images may share the layer (the pause image and the test image are both busybox).
 */
import { execFileSync } from 'child_process';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { busyboxRootfs } from '../images';

export interface ImageSpec {
  /** `podvisor-test/busybox:1` (stored as `docker.io/podvisor-test/busybox:1`, as the CRI names it). */
  readonly name: string;
  readonly cmd: readonly string[];
}

const MANIFEST = 'application/vnd.oci.image.manifest.v1+json';

/** Writes `images` (all on one busybox layer) as an OCI layout archive at `archive`; returns it. */
export function busyboxOciArchive(workDir: string, archive: string, images: readonly ImageSpec[]): string {
  const rootfs = path.join(workDir, 'rootfs');
  const layout = path.join(workDir, 'layout');
  const blobs = path.join(layout, 'blobs', 'sha256');
  fs.rmSync(layout, { recursive: true, force: true });
  fs.mkdirSync(blobs, { recursive: true });
  busyboxRootfs(rootfs);
  // Reproducible layer: sorted names, root-owned, epoch times (same digest on every machine).
  const layer = execFileSync(
    'tar',
    ['--sort=name', '--owner=0', '--group=0', '--numeric-owner', '--mtime=@0', '-C', rootfs, '-c', '.'],
    { maxBuffer: 64 << 20 },
  );
  const put = (b: Buffer) => {
    const hex = createHash('sha256').update(b).digest('hex');
    fs.writeFileSync(path.join(blobs, hex), b);
    return { digest: `sha256:${hex}`, size: b.length };
  };
  const layerRef = put(layer);
  const manifests = images.map((img) => {
    const config = put(
      Buffer.from(
        JSON.stringify({
          architecture: 'amd64',
          os: 'linux',
          config: { Env: ['PATH=/bin'], Cmd: img.cmd },
          rootfs: { type: 'layers', diff_ids: [layerRef.digest] },
        }),
      ),
    );
    const manifest = put(
      Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: MANIFEST,
          config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
          layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', ...layerRef }],
        }),
      ),
    );
    return {
      mediaType: MANIFEST,
      ...manifest,
      annotations: { 'io.containerd.image.name': `docker.io/${img.name}` },
    };
  });
  fs.writeFileSync(path.join(layout, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests }));
  fs.writeFileSync(path.join(layout, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  execFileSync('tar', ['-C', layout, '-cf', archive, '.']);
  fs.rmSync(rootfs, { recursive: true, force: true });
  fs.rmSync(layout, { recursive: true, force: true });
  return archive;
}
