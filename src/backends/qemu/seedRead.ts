/**
 * Reads the files of a cloud-init NoCloud seed ISO back (the exporter needs a VM's user-data).
 * Only the shape seed.ts writes, and any plain ISO 9660 image like it: the files in the root
 * directory, identifiers as `USER-DATA;1`. Every offset is checked against the file, so a
 * damaged seed is an error with the reason, never a read past the end.
 */
import * as fs from 'fs';
import { UserError } from '../../common/errors';

const SECTOR = 2048;

export function readSeedIso(file: string): Map<string, string> {
  const b = fs.readFileSync(file);
  const bad = (why: string): never => {
    throw new UserError(`The cloud-init seed ${file} cannot be read: ${why}`);
  };
  const pvd = 16 * SECTOR;
  if (b.length < pvd + SECTOR || b[pvd] !== 1 || b.toString('ascii', pvd + 1, pvd + 6) !== 'CD001')
    bad('not an ISO 9660 image');
  const root = pvd + 156;
  const extent = b.readUInt32LE(root + 2) * SECTOR;
  const size = b.readUInt32LE(root + 10);
  if (extent + size > b.length) bad('the root directory lies past the end of the file');
  const out = new Map<string, string>();
  for (let off = extent; off < extent + size;) {
    const len = b[off] ?? 0;
    // A zero length pads to the next sector: records never straddle one.
    if (len === 0) {
      off = (Math.floor(off / SECTOR) + 1) * SECTOR;
      continue;
    }
    if (off + len > b.length || len < 34) bad('a directory record is cut short');
    const nameLen = b[off + 32] ?? 0;
    const flags = b[off + 25] ?? 0;
    const raw = b.toString('ascii', off + 33, off + 33 + nameLen);
    const at = b.readUInt32LE(off + 2) * SECTOR;
    const n = b.readUInt32LE(off + 10);
    // "\0" and "\1" are the folder itself and its parent; folders are not followed.
    if (nameLen === 1 && (raw === '\0' || raw === '\x01')) {
      off += len;
      continue;
    }
    if (!(flags & 2)) {
      if (at + n > b.length) bad(`${raw} lies past the end of the file`);
      out.set(raw.replace(/;\d+$/, '').replace(/\.$/, '').toLowerCase(), b.toString('utf8', at, at + n));
    }
    off += len;
  }
  return out;
}
