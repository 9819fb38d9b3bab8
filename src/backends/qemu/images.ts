/**
 * Disk and ISO checks before anything is created, and qcow2 overlays on read-only bases.
 * `qemu-img info --output=json` output is parsed with runtime checks.
 */
import * as fs from 'fs';
import { UserError } from '../../common/errors';
import { inContext, processRunner, type Runner } from '../../common/process';

export interface ImageInfo {
  readonly format: string;
  readonly virtualSize: number;
  readonly backingFile?: string;
}

export async function imageInfo(
  file: string,
  signal?: AbortSignal,
  runner: Runner = processRunner,
): Promise<ImageInfo> {
  if (!fs.existsSync(file)) throw new UserError(`Disk image not found: ${file}`);
  const st = fs.statSync(file);
  if (!st.isFile()) throw new UserError(`Not a file: ${file}`);
  // -U: don't take the image lock (a running VM may use it); we only read metadata.
  const out = await runner
    .run({ command: 'qemu-img', args: ['info', '-U', '--output=json', file], timeoutMs: 60_000 }, signal)
    .catch((e: unknown) => {
      throw inContext(e, `qemu-img cannot read ${file}`);
    });
  let j: unknown;
  try {
    j = JSON.parse(out.stdout);
  } catch {
    throw new UserError(`qemu-img info gave unreadable output for ${file}`);
  }
  const o: Partial<Record<string, unknown>> = typeof j === 'object' && j !== null ? j : {};
  if (typeof o.format !== 'string' || typeof o['virtual-size'] !== 'number')
    throw new UserError(`qemu-img info: unexpected output for ${file}`);
  return {
    format: o.format,
    virtualSize: o['virtual-size'],
    backingFile: typeof o['backing-filename'] === 'string' ? o['backing-filename'] : undefined,
  };
}

/**
 * A usable base disk: qcow2 or raw, with a plausible size. qemu-img calls anything it cannot
 * recognise "raw", so a raw image must also be a whole number of 512-byte sectors and not
 * empty — that catches a truncated download or a text file given by mistake.
 */
export async function checkBaseDisk(
  file: string,
  signal?: AbortSignal,
  runner: Runner = processRunner,
): Promise<ImageInfo> {
  const info = await imageInfo(file, signal, runner);
  if (info.format !== 'qcow2' && info.format !== 'raw') {
    throw new UserError(
      `Unsupported disk format "${info.format}" for ${file}: use qcow2 or raw (convert with qemu-img convert).`,
    );
  }
  if (info.format === 'raw') {
    const size = fs.statSync(file).size;
    if (size === 0 || size % 512 !== 0)
      throw new UserError(
        `${file} is not a disk image: ${size} bytes is not a whole number of 512-byte sectors.`,
      );
  }
  if (info.format === 'qcow2') {
    // exit 0: clean; 3: leaked clusters only (harmless); anything else: corrupt or unreadable.
    await runner
      .run(
        { command: 'qemu-img', args: ['check', '-U', file], okExitCodes: [0, 3], timeoutMs: 600_000 },
        signal,
      )
      .catch((e: unknown) => {
        throw inContext(e, `The qcow2 image ${file} is corrupt`);
      });
  }
  return info;
}

/** Creates `overlay` (qcow2) on `base`; the base is only ever opened read-only by QEMU. */
export async function createOverlay(
  base: string,
  baseFormat: 'qcow2' | 'raw',
  overlay: string,
  signal?: AbortSignal,
  runner: Runner = processRunner,
): Promise<void> {
  const args = ['create', '-q', '-f', 'qcow2', '-b', base, '-F', baseFormat, overlay];
  await runner.run({ command: 'qemu-img', args, timeoutMs: 60_000 }, signal).catch((e: unknown) => {
    throw inContext(e, 'Could not create the overlay disk');
  });
}

/** Creates an empty qcow2 disk (for installing from an ISO). */
export async function createEmptyDisk(
  file: string,
  sizeGiB: number,
  signal?: AbortSignal,
  runner: Runner = processRunner,
): Promise<void> {
  const args = ['create', '-q', '-f', 'qcow2', file, `${sizeGiB}G`];
  await runner.run({ command: 'qemu-img', args, timeoutMs: 60_000 }, signal).catch((e: unknown) => {
    throw inContext(e, 'Could not create the disk');
  });
}

/** An ISO 9660 image has the volume descriptor magic "CD001" at byte 0x8001. */
export function checkIso(file: string): void {
  if (!fs.existsSync(file)) throw new UserError(`ISO image not found: ${file}`);
  const fd = fs.openSync(file, 'r');
  try {
    const b = Buffer.alloc(5);
    const n = fs.readSync(fd, b, 0, 5, 0x8001);
    if (n !== 5 || b.toString('latin1') !== 'CD001')
      throw new UserError(`${file} is not an ISO 9660 image (no "CD001" volume descriptor at 0x8001).`);
  } finally {
    fs.closeSync(fd);
  }
}

/** Kernel and initrd must be readable files; a bzImage has "HdrS" at 0x202. */
export function checkKernel(kernel: string, initrd?: string): void {
  if (!fs.existsSync(kernel) || !fs.statSync(kernel).isFile())
    throw new UserError(`Kernel not found: ${kernel}`);
  const fd = fs.openSync(kernel, 'r');
  try {
    const b = Buffer.alloc(4);
    fs.readSync(fd, b, 0, 4, 0x202);
    if (b.toString('latin1') !== 'HdrS')
      throw new UserError(`${kernel} is not an x86 Linux kernel (bzImage) — no "HdrS" boot header.`);
  } finally {
    fs.closeSync(fd);
  }
  if (initrd && (!fs.existsSync(initrd) || !fs.statSync(initrd).isFile()))
    throw new UserError(`Initrd not found: ${initrd}`);
}
