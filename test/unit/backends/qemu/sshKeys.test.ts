import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import YAML from 'yaml';
import { checkKeyFile, knownHostsLine, withSshKeys } from '../../../../src/backends/qemu/sshKeys';

const keys = {
  publicKey: 'ssh-ed25519 AAAAclient podvisor-vm',
  hostPrivateKey: '-----BEGIN OPENSSH PRIVATE KEY-----\nabc\n-----END OPENSSH PRIVATE KEY-----\n',
  hostPublicKey: 'ssh-ed25519 AAAAhost podvisor-vm-host',
};

describe('qemu: SSH keys in cloud-init', () => {
  it('adds the login key to the default user and to every user the user-data creates', () => {
    const r = withSshKeys(
      '#cloud-config\nusers:\n  - default\n  - name: dev\n    ssh_authorized_keys: ["ssh-rsa AAAAmine me"]\n  - name: ops\n',
      keys,
      'root',
    );
    assert.ok(r.userData.startsWith('#cloud-config\n'));
    const d = YAML.parse(r.userData) as {
      users: Array<string | { name: string; ssh_authorized_keys: string[] }>;
      ssh_authorized_keys: string[];
      ssh_keys: Record<string, string>;
    };
    assert.deepStrictEqual(d.ssh_authorized_keys, [keys.publicKey]);
    assert.deepStrictEqual(d.users[1], {
      name: 'dev',
      ssh_authorized_keys: ['ssh-rsa AAAAmine me', keys.publicKey],
    });
    assert.deepStrictEqual(d.users[2], { name: 'ops', ssh_authorized_keys: [keys.publicKey] });
    assert.strictEqual(d.users[0], 'default');
    assert.strictEqual(r.user, 'dev', 'the first named user logs in');
    assert.strictEqual(d.ssh_keys.ed25519_private, keys.hostPrivateKey);
    assert.strictEqual(d.ssh_keys.ed25519_public, keys.hostPublicKey);
  });

  it('writes the host key as a literal block the engine image seed reader takes', () => {
    const r = withSshKeys('', keys, 'root');
    assert.strictEqual(r.user, 'root');
    assert.match(
      r.userData,
      /\nssh_keys:\n {2}ed25519_private: \|\n {4}-----BEGIN OPENSSH PRIVATE KEY-----\n {4}abc\n/,
    );
    assert.match(r.userData, /\nssh_authorized_keys:\n {2}- ssh-ed25519 AAAAclient podvisor-vm\n/);
  });

  it('rejects user-data that is not a YAML mapping', () => {
    assert.throws(() => withSshKeys('- a\n- b\n', keys, 'root'), /must be a mapping/);
    assert.throws(() => withSshKeys('a: [\n', keys, 'root'), /not valid YAML/);
  });

  it('pins the host key for the forwarded port the way ssh writes it', () => {
    assert.strictEqual(knownHostsLine(2222, keys.hostPublicKey), '[127.0.0.1]:2222 ssh-ed25519 AAAAhost');
  });

  it('refuses a private key others can read, with the chmod that fixes it', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pv-key-'));
    try {
      const key = path.join(dir, 'id_ed25519');
      fs.writeFileSync(key, 'x', { mode: 0o644 });
      fs.chmodSync(key, 0o644);
      assert.throws(
        () => checkKeyFile(dir),
        (e: Error) => e.message.includes('mode 0644') && e.message.includes(`chmod 600 ${key}`),
      );
      fs.chmodSync(key, 0o600);
      assert.strictEqual(checkKeyFile(dir), key);
      fs.rmSync(key);
      assert.throws(() => checkKeyFile(dir), /created without SSH access/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
