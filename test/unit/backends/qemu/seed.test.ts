import * as assert from 'assert';
import { buildSeedIso } from '../../../../src/backends/qemu/seed';
import { at } from '../../../harness/pick';

/** Reads the root directory of an ISO 9660 image back (what a kernel's isofs would see). */
function readIso(img: Buffer): { label: string; files: Record<string, string> } {
  const pvd = img.subarray(16 * 2048, 17 * 2048);
  assert.strictEqual(pvd[0], 1);
  assert.strictEqual(pvd.subarray(1, 6).toString('latin1'), 'CD001');
  assert.strictEqual(pvd.readUInt32LE(80) * 2048, img.length, 'volume size matches the image');
  const label = pvd.subarray(40, 72).toString('latin1').trim();
  const rootExtent = pvd.readUInt32LE(156 + 2);
  const files: Record<string, string> = {};
  let off = rootExtent * 2048;
  // A record starts with its length; a zero length (or the end of the image) ends the directory.
  for (let len = img[off] ?? 0; len > 0; len = img[off] ?? 0) {
    const nameLen = at(img, off + 32);
    const name = img.subarray(off + 33, off + 33 + nameLen).toString('latin1');
    if (!(at(img, off + 25) & 2)) {
      const extent = img.readUInt32LE(off + 2);
      const size = img.readUInt32LE(off + 10);
      assert.strictEqual(img.readUInt32BE(off + 6), extent, 'both-endian extent');
      files[name] = img.subarray(extent * 2048, extent * 2048 + size).toString('utf8');
    }
    off += len;
  }
  return { label, files };
}

describe('qemu: cloud-init NoCloud seed', () => {
  it('writes an ISO 9660 volume "cidata" with user-data and meta-data', () => {
    const img = buildSeedIso({
      userData: '#cloud-config\nruncmd: [echo hi]\n',
      metaData: 'instance-id: x\n',
    });
    assert.strictEqual(img.subarray(0x8001, 0x8006).toString('latin1'), 'CD001');
    const { label, files } = readIso(img);
    assert.strictEqual(label, 'cidata');
    assert.deepStrictEqual(files, {
      'META-DATA;1': 'instance-id: x\n',
      'USER-DATA;1': '#cloud-config\nruncmd: [echo hi]\n',
    });
  });

  it('holds user-data larger than one sector and an optional network-config', () => {
    const big = '#cloud-config\n' + 'write_files: []\n'.repeat(600);
    const { files } = readIso(
      buildSeedIso({ userData: big, metaData: 'instance-id: y\n', networkConfig: 'version: 2\n' }),
    );
    assert.strictEqual(files['USER-DATA;1'], big);
    assert.strictEqual(files['NETWORK-CONFIG;1'], 'version: 2\n');
  });
});
