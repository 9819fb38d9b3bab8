import * as assert from 'assert';
import * as os from 'os';
import * as path from 'path';
import { readSettings } from '../../../../src/common/settings';
import { normalisePath, programSetting, type PathBase } from '../../../../src/common/settings/read';

const AT: PathBase = { home: '/home/me', base: '/home/me' };
const only =
  (values: Record<string, unknown>) =>
  (k: string): unknown =>
    values[k];

describe('settings: path settings are normalised in one place', () => {
  it('expands ~ and ~/x, resolves relative paths from the base, keeps absolute ones', () => {
    assert.strictEqual(normalisePath('~', AT), '/home/me');
    assert.strictEqual(normalisePath('~/vms', AT), '/home/me/vms');
    assert.strictEqual(normalisePath('~/vms/', AT), '/home/me/vms');
    assert.strictEqual(normalisePath('vms', { home: '/home/me', base: '/srv' }), '/srv/vms');
    assert.strictEqual(normalisePath('./a/../vms', AT), '/home/me/vms');
    assert.strictEqual(normalisePath('/data/vms', AT), '/data/vms');
    assert.strictEqual(normalisePath('', AT), '', 'unset stays unset (the default applies)');
    // Another user's home is not looked up: an ordinary relative name.
    assert.strictEqual(normalisePath('~bob/vms', AT), '/home/me/~bob/vms');
  });

  it('every path setting goes through it: vm.home ~/vms is the same folder for VMs and sandboxes', () => {
    const s = readSettings(
      only({
        'podvisor.vm.home': '~/vms',
        'podvisor.sandbox.kernel': 'kernels/vmlinuz',
        'podvisor.kubernetes.kubeconfig': '~/.kube/lab',
      }),
      AT,
    );
    assert.strictEqual(s.kubernetes.kubeconfig, '/home/me/.kube/lab');
    assert.strictEqual(s.vm.home, '/home/me/vms');
    assert.strictEqual(s.sandbox.kernel, '/home/me/kernels/vmlinuz');
    assert.strictEqual(readSettings(only({ 'podvisor.vm.home': '  ~/vms ' }), AT).vm.home, '/home/me/vms');
    assert.strictEqual(readSettings(only({}), AT).vm.home, '');
  });

  it('a program setting keeps a bare name for PATH and normalises anything path-like', () => {
    const virsh = (v: unknown) => programSetting(only({ k: v }), 'k', 'virsh', AT);
    assert.strictEqual(virsh(undefined), 'virsh');
    assert.strictEqual(virsh(''), 'virsh');
    assert.strictEqual(virsh('virsh-9'), 'virsh-9');
    assert.strictEqual(virsh('~/bin/virsh'), '/home/me/bin/virsh');
    assert.strictEqual(virsh('bin/virsh'), '/home/me/bin/virsh');
    assert.strictEqual(
      readSettings(only({ 'podvisor.libvirt.virshPath': '~/v' }), AT).libvirt.virshPath,
      '/home/me/v',
    );
  });

  it('without a base given, ~ is the real home folder', () => {
    assert.strictEqual(
      readSettings(only({ 'podvisor.vm.home': '~/vms' })).vm.home,
      path.join(os.homedir(), 'vms'),
    );
  });
});
