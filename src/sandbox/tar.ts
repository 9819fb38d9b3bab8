/**
 * Reads the first regular file out of a tar stream (what `GET /containers/{id}/archive` returns
 * for one file). Enough for /etc/passwd; not a general tar reader.
 */
export function firstFileOfTar(buf: Buffer): Buffer | undefined {
  let off = 0;
  while (off + 512 <= buf.length) {
    const header = buf.subarray(off, off + 512);
    if (header.every((b) => b === 0)) return undefined;
    const size = parseInt(header.subarray(124, 136).toString('ascii').replace(/\0.*$/, '').trim() || '0', 8);
    const type = String.fromCharCode(header[156] || 48);
    const dataStart = off + 512;
    if (type === '0' || type === '\0') return buf.subarray(dataStart, dataStart + size);
    off = dataStart + Math.ceil(size / 512) * 512;
  }
  return undefined;
}
