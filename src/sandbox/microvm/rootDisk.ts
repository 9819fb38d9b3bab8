import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { pipeline } from 'stream/promises';
import execa from 'execa';
import { UserError, messageOf } from '../../common/errors';
import type { DockerClient } from '../../backends/docker/client';
import { LABEL } from '../names';

/**
 * An image's root filesystem as an ext4 disk (`docker export` → `mkfs.ext4 -d`), cached by image
 * id so a second sandbox from the same image starts at once. VMs never write it: each gets a
 * qcow2 overlay. Every temporary (the export container, the unpacked tree, a half-made disk) is
 * removed whether this succeeds or not.
 */
export async function ensureRootDisk(
  engine: DockerClient,
  image: string,
  sandbox: string,
  dir: string,
  signal?: AbortSignal,
): Promise<{ file: string; imageId: string; cached: boolean }> {
  const img = await engine.imageConfig(image, { signal });
  if (!img) throw new UserError(`Image ${image} is not on the engine`);
  const id = img.id.replace(/^sha256:/, '');
  const file = path.join(dir, `${id.slice(0, 32)}.ext4`);
  if (fs.existsSync(file)) return { file, imageId: img.id, cached: true };
  fs.mkdirSync(dir, { recursive: true });
  const tree = fs.mkdtempSync(path.join(os.tmpdir(), 'pv-sbx-rootfs-'));
  const tmp = `${file}.${process.pid}.tmp`;
  let cid: string | undefined;
  try {
    cid = await engine.createContainer(
      `pv-sbx-export-${sandbox}-${Date.now().toString(36)}`,
      {
        Image: image,
        Entrypoint: ['/bin/sh'],
        Cmd: [],
        Labels: { [LABEL.sandbox]: sandbox, [LABEL.role]: 'export' },
        HostConfig: { NetworkMode: 'none' },
      },
      { signal },
    );
    const stream = await engine.exportContainer(cid, { signal });
    const tar = execa('tar', ['-x', '-C', tree, '--numeric-owner', '--same-owner', '-f', '-'], {
      stdin: 'pipe',
      signal,
    } as execa.Options);
    await Promise.all([pipeline(stream, tar.stdin!), tar]);
    for (const d of ['proc', 'sys', 'dev', 'tmp', 'run'])
      fs.mkdirSync(path.join(tree, d), { recursive: true });
    const used =
      Number((await execa('du', ['-sk', tree], { signal } as execa.Options)).stdout.split(/\s/)[0]) * 1024;
    // Room for the inode tables and for a developer's installs on top of the image.
    const size = Math.max(64 * 1024 ** 2, Math.ceil((used * 1.3 + 256 * 1024 ** 2) / 1024 ** 2) * 1024 ** 2);
    try {
      await execa(
        'mkfs.ext4',
        ['-q', '-F', '-L', 'pvroot', '-E', 'root_owner=0:0', '-d', tree, tmp, `${Math.round(size / 1024)}k`],
        { signal } as execa.Options,
      );
    } catch (e) {
      const err = e as { stderr?: string; message: string };
      throw new UserError(
        `Cannot make the root disk for ${image} in ${dir}: ${(err.stderr || err.message).trim().split('\n').slice(-2).join(' ')}`,
      );
    }
    fs.renameSync(tmp, file);
    return { file, imageId: img.id, cached: false };
  } catch (e) {
    if (
      (e as { code?: string }).code === 'PODVISOR_USER_ERROR' ||
      (e as { name?: string }).name === 'AbortError'
    )
      throw e;
    throw new UserError(`Cannot make the root disk for ${image}: ${messageOf(e)}`);
  } finally {
    fs.rmSync(tmp, { force: true });
    fs.rmSync(tree, { recursive: true, force: true });
    if (cid) await engine.removeContainer(cid, { force: true, volumes: true }).catch(() => undefined);
  }
}
