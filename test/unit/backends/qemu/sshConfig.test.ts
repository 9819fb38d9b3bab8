import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import {
  addInclude,
  includeLine,
  includesPodvisorConfig,
  podvisorSshConfigPath,
  renderSshConfig,
  writeSshConfig,
} from '../../../../src/backends/qemu/sshConfig';

describe('qemu: the SSH config Podvisor owns', () => {
  it('has one pinned, key-only entry per VM on its forwarded port', () => {
    const text = renderSshConfig([
      { vm: 'web', user: 'dev', port: 2201, sshDir: '/vms/web/ssh' },
      { vm: 'eng', user: 'root', port: 2202, sshDir: '/my vms/eng/ssh' },
    ]);
    assert.match(
      text,
      /Host podvisor-eng\n {2}HostName 127\.0\.0\.1\n {2}Port 2202\n {2}User root\n {2}IdentityFile "\/my vms\/eng\/ssh\/id_ed25519"\n {2}IdentitiesOnly yes\n {2}UserKnownHostsFile "\/my vms\/eng\/ssh\/known_hosts"\n {2}StrictHostKeyChecking yes\n/,
    );
    assert.ok(text.indexOf('Host podvisor-eng') < text.indexOf('Host podvisor-web'), 'sorted');
    assert.throws(
      () => renderSshConfig([{ vm: 'x', user: 'u', port: 1, sshDir: '/a"b' }]),
      /Cannot write the path/,
    );
  });

  it('adds the Include to ~/.ssh/config once, at the top, keeping what was there', () => {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'pv-sshcfg-'));
    try {
      const owned = podvisorSshConfigPath(home);
      writeSshConfig(owned, [{ vm: 'a', user: 'root', port: 2222, sshDir: '/v/a/ssh' }]);
      assert.strictEqual(fs.statSync(owned).mode & 0o777, 0o600);
      assert.strictEqual(fs.statSync(path.dirname(owned)).mode & 0o777, 0o700);
      const user = path.join(home, '.ssh', 'config');
      fs.writeFileSync(user, 'Host old\n  User me\n', { mode: 0o644 });
      assert.strictEqual(includesPodvisorConfig(fs.readFileSync(user, 'utf8'), owned, home), false);
      addInclude(user, owned, home);
      addInclude(user, owned, home);
      const text = fs.readFileSync(user, 'utf8');
      assert.strictEqual(text.split('\n').filter((l) => l.startsWith('Include')).length, 1);
      assert.ok(text.indexOf(includeLine(owned, home)) < text.indexOf('Host old'));
      assert.strictEqual(includeLine(owned, home), 'Include podvisor/config');
      assert.ok(text.endsWith('Host old\n  User me\n'));
      assert.strictEqual(fs.statSync(user).mode & 0o777, 0o644, "the user's mode is kept");
    } finally {
      fs.rmSync(home, { recursive: true, force: true });
    }
  });
});
