import * as assert from 'assert';
import { checkDomainName, checkSnapshotName, checkUri } from '../../../../src/backends/libvirt/names';
import { LibvirtClient } from '../../../../src/backends/libvirt/client';
import { silentLogger } from '../../../../src/common/log';
import { readSettings } from '../../../../src/common/settings';

describe('libvirt: names, URIs and settings', () => {
  it('accepts real domain names (spaces, dots, unicode) and rejects option-like or path-like ones', () => {
    for (const ok of ['vm1', 'pv two', 'web.example-01', 'ünïcode'])
      assert.strictEqual(checkDomainName(ok), ok);
    for (const bad of ['', '-c', '--domain', 'a/b', 'a\nb', 'x'.repeat(201), 42, undefined]) {
      assert.throws(() => checkDomainName(bad), /libvirt domain name/, String(bad));
    }
  });

  it('is strict with snapshot names we create', () => {
    assert.strictEqual(checkSnapshotName('snap-20261124-230301'), 'snap-20261124-230301');
    for (const bad of ['', '-x', 'a b', 'a/b', '.hidden'])
      assert.throws(() => checkSnapshotName(bad), /snapshot name/);
  });

  it('checks connection URIs', () => {
    for (const ok of [
      'qemu:///system',
      'qemu:///session?socket=/tmp/x/libvirt-sock',
      'qemu+ssh://root@h/system',
      'test:///default',
    ])
      assert.strictEqual(checkUri(ok), ok);
    for (const bad of ['', 'system', '-c', 'qemu:///system x', 'qemu:///a\nb'])
      assert.throws(() => checkUri(bad), /URI/);
  });

  it('builds the console command as an argument array, never a shell string', () => {
    const c = new LibvirtClient('qemu:///system', { virsh: '/usr/bin/virsh', log: silentLogger });
    assert.deepStrictEqual(c.consoleCommand('pv two'), {
      command: '/usr/bin/virsh',
      args: ['-c', 'qemu:///system', 'console', '--domain', 'pv two', '--force'],
    });
    assert.throws(() => c.consoleCommand('--help'), /must not start/);
  });

  it('reads podvisor.libvirt.* with defaults, dedupes URIs and clamps the poll', () => {
    const d = readSettings(() => undefined).libvirt;
    assert.deepStrictEqual(d, {
      uris: ['qemu:///system', 'qemu:///session'],
      virshPath: 'virsh',
      pollSeconds: 60,
    });
    const s = readSettings(
      (k) =>
        (
          ({
            'podvisor.libvirt.uris': ['qemu:///a', ' qemu:///a ', 7, ''],
            'podvisor.libvirt.pollSeconds': 1,
            'podvisor.libvirt.virshPath': '/opt/virsh',
          }) as Record<string, unknown>
        )[k],
    ).libvirt;
    assert.deepStrictEqual(s, { uris: ['qemu:///a'], virshPath: '/opt/virsh', pollSeconds: 10 });
    assert.deepStrictEqual(
      readSettings((k) => (k === 'podvisor.libvirt.uris' ? [] : undefined)).libvirt.uris,
      [],
    );
  });
});
