import * as assert from 'assert';
import { parseVmSpec, parsePortForward } from '../../../../src/backends/qemu/spec';
import { vmNameProblem } from '../../../../src/backends/qemu/names';
import { snapshotNameProblem } from '../../../../src/backends/qemu/snapshots';
import { parseCreateRequest } from '../../../../src/backends/qemu/create';

describe('qemu: names and specs', () => {
  it('accepts plain VM names and rejects anything path- or shell-like', () => {
    for (const ok of ['a', 'web-1', 'Debian_12.cloud', '9lives'])
      assert.strictEqual(vmNameProblem(ok), undefined, ok);
    for (const bad of [
      '',
      '.',
      '..',
      '../x',
      'a/b',
      'a b',
      '-rf',
      'x;rm',
      '$(x)',
      'a.',
      'x'.repeat(64),
      'ünï',
    ])
      assert.ok(vmNameProblem(bad), bad);
  });

  it('rejects all-digit and odd snapshot names (HMP would take digits as an id)', () => {
    assert.strictEqual(snapshotNameProblem('clean'), undefined);
    assert.ok(snapshotNameProblem('42'));
    assert.ok(snapshotNameProblem('a b'));
  });

  it('parses port forwards in both spellings and rejects out-of-range ones', () => {
    assert.deepStrictEqual(parsePortForward('8080:80', ''), { host: 8080, guest: 80, proto: 'tcp' });
    assert.deepStrictEqual(parsePortForward('5353:53/udp', ''), { host: 5353, guest: 53, proto: 'udp' });
    assert.deepStrictEqual(parsePortForward({ host: 2222, guest: 22 }, ''), {
      host: 2222,
      guest: 22,
      proto: 'tcp',
    });
    assert.throws(() => parsePortForward('70000:80', ''), /1 to 65535|1–65535/);
    assert.throws(() => parsePortForward('80', ''), /HOST:GUEST/);
  });

  it('validates a spec and fills defaults', () => {
    const s = parseVmSpec({ name: 'k', kernel: '/boot/vmlinuz' });
    assert.strictEqual(s.machine, 'microvm');
    assert.strictEqual(s.cpus, 1);
    assert.deepStrictEqual(s.network, { mode: 'user', forwards: [] });
    assert.throws(
      () => parseVmSpec({ name: 'x', machine: 'microvm', disks: [{ file: 'd.qcow2' }] }),
      /microvm.*boots only with "kernel"/,
    );
    assert.throws(() => parseVmSpec({ name: 'x', machine: 'q35' }), /nothing to boot/);
    assert.throws(
      () => parseVmSpec({ name: 'x', kernel: '/k', network: { forwards: ['1:2', '1:3'] } }),
      /forwarded twice/,
    );
    assert.throws(() => parseVmSpec({ name: 'x', kernel: '/k,evil' }), /must not contain ","/);
    assert.throws(() => parseVmSpec({ name: 'x', kernel: '/k', cpus: 0 }), /"cpus" must be an integer/);
    assert.throws(
      () => parseVmSpec({ name: 'x', kernel: '/k', shares: [{ tag: 'a,b', path: '/tmp' }] }),
      /share tag/,
    );
  });

  it('reads a YAML spec file with paths relative to the file', () => {
    const req = parseCreateRequest(
      'name: web\ncpus: 2\nmemoryMiB: 768\nfrom:\n  cloudImage: images/debian.qcow2\n  userData: |\n    #cloud-config\n    packages: [nginx]\nforwards: ["8080:80", {host: 2222, guest: 22}]\n',
      '/srv/vms/web.yaml',
    );
    assert.strictEqual(req.name, 'web');
    assert.deepStrictEqual(req.source, {
      kind: 'cloud',
      image: '/srv/vms/images/debian.qcow2',
      userData: '#cloud-config\npackages: [nginx]\n',
      networkConfig: undefined,
    });
    assert.deepStrictEqual(req.forwards, [
      { host: 8080, guest: 80, proto: 'tcp' },
      { host: 2222, guest: 22, proto: 'tcp' },
    ]);
    assert.throws(
      () => parseCreateRequest('name: x\nfrom: {}\n', '/a/x.yaml'),
      /needs one of disk, iso, kernel, cloudImage/,
    );
    assert.throws(() => parseCreateRequest('name: [\n', '/a/x.yaml'), /not valid YAML/);
  });
});

describe('qemu: spec fields of engine VMs, SSH and displays', () => {
  const base = { name: 'v', machine: 'q35', disks: [{ file: 'd.qcow2' }] };

  it('accepts an engine VM only with its channel, and SSH only on a port forwarded to 22', () => {
    assert.throws(
      () => parseVmSpec({ ...base, engine: { kind: 'docker' } }),
      /needs the channel org\.podvisor\.engine/,
    );
    assert.throws(
      () => parseVmSpec({ ...base, engine: { kind: 'podman' }, channels: ['org.podvisor.engine'] }),
      /engine\.kind/,
    );
    assert.throws(
      () => parseVmSpec({ ...base, ssh: { user: 'root', port: 2200 } }),
      /must be forwarded to guest port 22/,
    );
    assert.throws(
      () =>
        parseVmSpec({ ...base, network: { forwards: ['2200:22'] }, ssh: { user: 'Root;rm', port: 2200 } }),
      /not a valid user name/,
    );
    const s = parseVmSpec({
      ...base,
      channels: ['org.podvisor.engine'],
      engine: { kind: 'docker', image: 'abc' },
      network: { forwards: ['2200:22'] },
      ssh: { user: 'root', port: 2200 },
    });
    assert.deepStrictEqual(s.engine, { kind: 'docker', image: 'abc' });
    assert.deepStrictEqual(s.ssh, { user: 'root', port: 2200 });
  });

  it('rejects channel names QEMU would parse and a display on a microvm', () => {
    assert.throws(() => parseVmSpec({ ...base, channels: ['a,b'] }), /not a valid channel name/);
    assert.throws(() => parseVmSpec({ name: 'm', kernel: '/k', display: 'vnc' }), /microvm has no display/);
    assert.throws(() => parseVmSpec({ ...base, display: 'spice' }), /"display" must be vnc/);
  });
});
