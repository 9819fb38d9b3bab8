/**
 * `npm start`'s preparation (test/harness/samples.ts) on the real private engine: every image a
 * runnable sample names is on the engine afterwards, and the workspace is a copy outside the
 * checkout that keeps the user's edits until samples/ changes.
 */
import * as assert from 'assert';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';
import { needDocker, needQemu, repoRoot } from '../../harness/env';
import { docker, dockerCli } from '../../harness/images';
import {
  SAMPLE_IMAGES,
  prepareSampleImages,
  prepareSampleWorkspace,
  prepareVmImages,
} from '../../harness/samples';

const SAMPLES = path.join(repoRoot, 'samples');
/** Samples that are for reading and editing, not for running here; each with why. */
const NOT_RUN_HERE: Record<string, string> = {
  'manifests/kata-pod.yaml': 'Kata cannot be installed on this machine; the sample shows the Kata path',
  'manifests/vm-mistakes.yaml': 'deliberate mistakes for the language service',
  'manifests/vm-cloudinit.yaml': 'cloud-init authoring; it needs a Fedora containerDisk from a registry',
};

/** Every `image:` value anywhere in a YAML tree. */
function imagesIn(v: unknown, out: Set<string>): Set<string> {
  if (Array.isArray(v)) for (const x of v) imagesIn(x, out);
  else if (v && typeof v === 'object')
    for (const [k, x] of Object.entries(v)) {
      if (k === 'image' && typeof x === 'string') out.add(x);
      else imagesIn(x, out);
    }
  return out;
}

function sampleImages(): Map<string, string> {
  const found = new Map<string, string>(); // image → file
  const dc = fs.readFileSync(path.join(SAMPLES, '.devcontainer', 'devcontainer.json'), 'utf8');
  const dcImage = /"image"\s*:\s*"([^"]+)"/.exec(dc)?.[1];
  assert.ok(dcImage, 'the sample devcontainer.json names an image');
  found.set(dcImage, '.devcontainer/devcontainer.json');
  for (const f of fs.readdirSync(path.join(SAMPLES, 'manifests'))) {
    const rel = `manifests/${f}`;
    if (NOT_RUN_HERE[rel]) continue;
    const text = fs.readFileSync(path.join(SAMPLES, rel), 'utf8');
    for (const d of parseAllDocuments(text))
      if (!('empty' in d)) for (const i of imagesIn(d.toJS(), new Set())) found.set(i, rel);
  }
  return found;
}

describe('npm start: the samples are prepared to run offline', function () {
  it('every image a runnable sample names is known to the preparation and on the engine after it', function () {
    this.timeout(300_000);
    const host = needDocker(this);
    needQemu(this); // the containerDisk carries the guest kernel the QEMU suites build
    const wanted = sampleImages();
    assert.ok(wanted.size >= 3, `images found in samples: ${[...wanted.keys()].join(', ')}`);
    for (const [image, file] of wanted)
      assert.ok(SAMPLE_IMAGES[image], `${file} names ${image}, which npm start does not prepare`);
    const lines = prepareSampleImages(host, () => undefined);
    assert.strictEqual(lines.length, Object.keys(SAMPLE_IMAGES).length, lines.join('\n'));
    for (const image of wanted.keys())
      assert.match(docker(host, ['image', 'inspect', '--format', '{{.Id}}', image]), /^sha256:/, image);
    // The containerDisk is what KubeVirt's convention needs: one file under /disk, a kernel in /boot.
    const kv = Object.keys(SAMPLE_IMAGES).find((k) => SAMPLE_IMAGES[k] === 'containerDisk')!;
    const id = docker(host, ['create', kv, 'none']);
    try {
      const tar = execFileSync(dockerCli, ['-H', host, 'export', id], { maxBuffer: 1 << 30 });
      const listing = execFileSync('tar', ['-t'], { input: tar, encoding: 'utf8' }).split('\n');
      for (const f of ['disk/disk.img', 'boot/vmlinuz', 'boot/initrd.gz'])
        assert.ok(listing.includes(f), `${kv} has ${f}: ${listing.join(' ')}`);
    } finally {
      docker(host, ['rm', id]);
    }
  });

  it('the workspace is a copy outside the checkout; edits survive a restart until samples/ changes', function () {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pv-samples-'));
    try {
      const src = path.join(tmp, 'samples');
      fs.cpSync(SAMPLES, src, { recursive: true });
      const dest = path.join(tmp, 'copy', 'workspace');
      prepareSampleWorkspace(src, dest, () => undefined);
      const edited = path.join(dest, 'manifests', 'gvisor-pod.yaml');
      assert.strictEqual(
        fs.readFileSync(edited, 'utf8'),
        fs.readFileSync(path.join(src, 'manifests', 'gvisor-pod.yaml'), 'utf8'),
      );
      fs.writeFileSync(edited, '# my edit\n');
      prepareSampleWorkspace(src, dest, () => undefined);
      assert.strictEqual(
        fs.readFileSync(edited, 'utf8'),
        '# my edit\n',
        'an unchanged samples/ keeps the copy',
      );
      fs.appendFileSync(path.join(src, 'manifests', 'kata-pod.yaml'), '# upstream change\n');
      prepareSampleWorkspace(src, dest, () => undefined);
      assert.notStrictEqual(
        fs.readFileSync(edited, 'utf8'),
        '# my edit\n',
        'a changed samples/ is copied again',
      );
      assert.match(fs.readFileSync(path.join(dest, 'manifests', 'kata-pod.yaml'), 'utf8'), /upstream change/);
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });

  it('"New VM…" gets a kernel, an initramfs and a disk in the workspace', function () {
    this.timeout(300_000);
    needQemu(this);
    const ws = fs.mkdtempSync(path.join(os.tmpdir(), 'pv-samples-vm-'));
    try {
      const files = prepareVmImages(ws);
      assert.deepStrictEqual(
        files.map((f) => path.basename(f)),
        ['vmlinuz', 'initrd.gz', 'disk.ext4'],
      );
      for (const f of files) assert.ok(fs.statSync(f).size > 100_000, `${f} is a real file`);
      // The kernel is a bzImage: "HdrS" at offset 0x202 of the boot protocol header.
      const head = Buffer.alloc(0x206);
      const fd = fs.openSync(files[0]!, 'r');
      fs.readSync(fd, head, 0, head.length, 0);
      fs.closeSync(fd);
      assert.strictEqual(head.subarray(0x202, 0x206).toString('latin1'), 'HdrS');
    } finally {
      fs.rmSync(ws, { recursive: true, force: true });
    }
  });
});
