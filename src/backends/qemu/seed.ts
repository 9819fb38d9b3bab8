/**
 * cloud-init NoCloud seed: an ISO 9660 image labelled "cidata" holding `user-data`,
 * `meta-data` and optionally `network-config`. Written here byte by byte (no genisoimage or
 * mkfs.vfat on a stock machine, and no shell). Plain ISO 9660 level 1 layout with one root
 * directory; file identifiers are written as `USER-DATA;1`, which Linux's isofs shows as
 * `user-data` (lower-cased, version stripped), exactly what cloud-init looks for.
 */
import * as fs from 'fs';

const SECTOR = 2048;

export interface SeedFiles {
  readonly userData: string;
  readonly metaData: string;
  readonly networkConfig?: string;
}

/** meta-data for a VM: instance-id changes with the name and creation time so cloud-init runs once per VM. */
export function defaultMetaData(name: string, createdAt: string): string {
  return `instance-id: podvisor-${name}-${createdAt.replace(/[^0-9]/g, '')}\nlocal-hostname: ${name}\n`;
}

function both32(b: Buffer, off: number, v: number): void {
  b.writeUInt32LE(v, off);
  b.writeUInt32BE(v, off + 4);
}

function both16(b: Buffer, off: number, v: number): void {
  b.writeUInt16LE(v, off);
  b.writeUInt16BE(v, off + 2);
}

function text(b: Buffer, off: number, len: number, s: string): void {
  b.write(s.padEnd(len, ' ').slice(0, len), off, 'latin1');
}

function dirRecord(name: Buffer, extent: number, size: number, isDir: boolean, date: Date): Buffer {
  const len = 33 + name.length + (name.length % 2 === 0 ? 1 : 0);
  const r = Buffer.alloc(len);
  r[0] = len;
  both32(r, 2, extent);
  both32(r, 10, size);
  r[18] = date.getUTCFullYear() - 1900;
  r[19] = date.getUTCMonth() + 1;
  r[20] = date.getUTCDate();
  r[21] = date.getUTCHours();
  r[22] = date.getUTCMinutes();
  r[23] = date.getUTCSeconds();
  r[24] = 0; // GMT
  r[25] = isDir ? 2 : 0;
  both16(r, 28, 1);
  r[32] = name.length;
  name.copy(r, 33);
  return r;
}

function longDate(d: Date): string {
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${p(d.getUTCFullYear(), 4)}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}00`;
}

/** Builds the ISO image in memory (seeds are a few KB). */
export function buildSeedIso(files: SeedFiles, label = 'cidata', now = new Date()): Buffer {
  const entries: Array<[string, Buffer]> = [
    ['META-DATA;1', Buffer.from(files.metaData, 'utf8')],
    ['USER-DATA;1', Buffer.from(files.userData, 'utf8')],
  ];
  if (files.networkConfig !== undefined)
    entries.push(['NETWORK-CONFIG;1', Buffer.from(files.networkConfig, 'utf8')]);
  entries.sort((a, b) => (a[0] < b[0] ? -1 : 1)); // ISO 9660 wants records sorted by identifier

  const pathL = 18,
    pathM = 19,
    rootSector = 20;
  let next = rootSector + 1;
  const placed = entries.map(([id, data]) => {
    const at = next;
    next += Math.max(1, Math.ceil(data.length / SECTOR));
    return { id, data, at };
  });
  const totalSectors = next;
  const img = Buffer.alloc(totalSectors * SECTOR);

  // Root directory extent: ".", "..", then the files.
  const rootRecord = dirRecord(Buffer.from([0]), rootSector, SECTOR, true, now);
  const recs = [
    rootRecord,
    dirRecord(Buffer.from([1]), rootSector, SECTOR, true, now),
    ...placed.map((p) => dirRecord(Buffer.from(p.id, 'latin1'), p.at, p.data.length, false, now)),
  ];
  let off = rootSector * SECTOR;
  for (const r of recs) {
    r.copy(img, off);
    off += r.length;
  }
  if (off > (rootSector + 1) * SECTOR) throw new Error('seed ISO: root directory overflow');
  for (const p of placed) p.data.copy(img, p.at * SECTOR);

  // Path tables (root only): little-endian copy at pathL, big-endian at pathM.
  const pt = (le: boolean) => {
    const b = Buffer.alloc(10);
    b[0] = 1;
    if (le) {
      b.writeUInt32LE(rootSector, 2);
      b.writeUInt16LE(1, 6);
    } else {
      b.writeUInt32BE(rootSector, 2);
      b.writeUInt16BE(1, 6);
    }
    return b;
  };
  pt(true).copy(img, pathL * SECTOR);
  pt(false).copy(img, pathM * SECTOR);

  // Primary volume descriptor.
  const pvd = Buffer.alloc(SECTOR);
  pvd[0] = 1;
  pvd.write('CD001', 1, 'latin1');
  pvd[6] = 1;
  text(pvd, 8, 32, 'LINUX');
  text(pvd, 40, 32, label);
  both32(pvd, 80, totalSectors);
  both16(pvd, 120, 1);
  both16(pvd, 124, 1);
  both16(pvd, 128, SECTOR);
  both32(pvd, 132, 10);
  pvd.writeUInt32LE(pathL, 140);
  pvd.writeUInt32BE(pathM, 148);
  rootRecord.copy(pvd, 156);
  for (const [o, l] of [
    [190, 128],
    [318, 128],
    [446, 128],
    [574, 128],
    [702, 37],
    [739, 37],
    [776, 37],
  ] as const)
    text(pvd, o, l, '');
  text(pvd, 574, 128, 'PODVISOR');
  const d = longDate(now);
  pvd.write(d, 813, 'latin1');
  pvd.write(d, 830, 'latin1');
  pvd.write('0000000000000000', 847, 'latin1');
  pvd.write(d, 864, 'latin1');
  pvd[881] = 1;
  pvd.copy(img, 16 * SECTOR);

  // Volume descriptor set terminator.
  const term = Buffer.alloc(SECTOR);
  term[0] = 255;
  term.write('CD001', 1, 'latin1');
  term[6] = 1;
  term.copy(img, 17 * SECTOR);
  return img;
}

export function writeSeedIso(file: string, files: SeedFiles): void {
  fs.writeFileSync(file, buildSeedIso(files));
}
