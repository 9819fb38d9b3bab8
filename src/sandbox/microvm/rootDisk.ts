import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { UserError, isCancelled, isUserError, messageOf } from '../../common/errors';
import { inContext, processRunner, type Runner } from '../../common/process';
import type { DockerClient } from '../../backends/docker/client';
import { LABEL } from '../names';
import { untar } from '../untar';

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
  runner: Runner = processRunner,
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
    await untar(runner, stream, ['-x', '-C', tree, '--numeric-owner', '--same-owner', '-f', '-'], signal);
    for (const d of ['proc', 'sys', 'dev', 'tmp', 'run'])
      fs.mkdirSync(path.join(tree, d), { recursive: true });
    const du = await runner.run({ command: 'du', args: ['-sk', tree], timeoutMs: 300_000 }, signal);
    const kib = Number(/^(\d+)\s/.exec(du.stdout)?.[1]);
    if (!Number.isFinite(kib)) throw new UserError(`du gave no size for ${tree}: ${du.stdout.slice(0, 80)}`);
    const used = kib * 1024;
    // Room for the inode tables and for a developer's installs on top of the image.
    const size = Math.max(64 * 1024 ** 2, Math.ceil((used * 1.3 + 256 * 1024 ** 2) / 1024 ** 2) * 1024 ** 2);
    const mkfs = [
      '-q',
      '-F',
      '-L',
      'pvroot',
      '-E',
      'root_owner=0:0',
      '-d',
      tree,
      tmp,
      `${Math.round(size / 1024)}k`,
    ];
    await runner.run({ command: 'mkfs.ext4', args: mkfs, timeoutMs: 900_000 }, signal).catch((e: unknown) => {
      throw inContext(e, `Cannot make the root disk for ${image} in ${dir}`);
    });
    fs.renameSync(tmp, file);
    return { file, imageId: img.id, cached: false };
  } catch (e) {
    if (isUserError(e) || isCancelled(e)) throw e;
    throw new UserError(`Cannot make the root disk for ${image}: ${messageOf(e)}`);
  } finally {
    fs.rmSync(tmp, { force: true });
    fs.rmSync(tree, { recursive: true, force: true });
    if (cid) await engine.removeContainer(cid, { force: true, volumes: true }).catch(() => undefined);
  }
}
