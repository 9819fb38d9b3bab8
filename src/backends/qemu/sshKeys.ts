/**
 * A VM's SSH keys, made when the VM is created and kept in its folder (`ssh/`, mode 0700):
 *  - `id_ed25519` (+ `.pub`): the key Podvisor and the user log in with;
 *  - `host_ed25519` (+ `.pub`): the guest's host key, handed to it through cloud-init, so the
 *    host knows it in advance (`known_hosts`) and never has to trust a first connection.
 * Both go into the VM's cloud-init user-data (withSshKeys), which real cloud-init and the
 * engine image's seed reader apply the same way.
 */
import * as fs from 'fs';
import * as path from 'path';
import YAML from 'yaml';
import { UserError } from '../../common/errors';
import { run as realRun, type Runner } from '../../common/process';

export interface VmKeys {
  readonly privateKey: string;
  readonly publicKey: string;
  readonly hostPrivateKey: string;
  readonly hostPublicKey: string;
}

export const CLIENT_KEY = 'id_ed25519';
const HOST_KEY = 'host_ed25519';

/** Makes both key pairs in `sshDir` (created 0700). */
export async function generateVmKeys(
  sshDir: string,
  vmName: string,
  runner: Pick<Runner, 'run'> = { run: realRun },
  signal?: AbortSignal,
): Promise<VmKeys> {
  fs.mkdirSync(sshDir, { recursive: true, mode: 0o700 });
  fs.chmodSync(sshDir, 0o700);
  for (const [file, comment] of [
    [CLIENT_KEY, `podvisor-${vmName}`],
    [HOST_KEY, `podvisor-${vmName}-host`],
  ] as const) {
    await runner.run(
      {
        command: 'ssh-keygen',
        args: ['-q', '-t', 'ed25519', '-N', '', '-C', comment, '-f', path.join(sshDir, file)],
        label: 'ssh-keygen',
        hint: 'Debian package openssh-client',
      },
      signal,
    );
  }
  return readVmKeys(sshDir);
}

export function readVmKeys(sshDir: string): VmKeys {
  const r = (f: string) => fs.readFileSync(path.join(sshDir, f), 'utf8');
  return {
    privateKey: r(CLIENT_KEY),
    publicKey: r(`${CLIENT_KEY}.pub`).trim(),
    hostPrivateKey: r(HOST_KEY),
    hostPublicKey: r(`${HOST_KEY}.pub`).trim(),
  };
}

/**
 * The private key ssh will use, checked the way ssh checks it: a key file that others can read
 * makes ssh refuse it ("UNPROTECTED PRIVATE KEY FILE") — say so, with the fix, before ssh does.
 */
export function checkKeyFile(sshDir: string): string {
  const key = path.join(sshDir, CLIENT_KEY);
  if (!fs.existsSync(key))
    throw new UserError(`The VM's SSH key ${key} is missing; the VM was created without SSH access.`);
  const mode = fs.statSync(key).mode & 0o777;
  if (mode & 0o077)
    throw new UserError(
      `The VM's SSH key ${key} can be read by others (mode ${mode.toString(8).padStart(4, '0')}), so ssh would refuse it. Make it private: chmod 600 ${key}`,
    );
  return key;
}

/** The `known_hosts` line for the forwarded port (ssh writes `[host]:port` for non-22 ports). */
export function knownHostsLine(port: number, hostPublicKey: string): string {
  const [type, key] = hostPublicKey.split(/\s+/);
  return `[127.0.0.1]:${port} ${type} ${key}`;
}

export function writeKnownHosts(sshDir: string, port: number, hostPublicKey: string): string {
  const f = path.join(sshDir, 'known_hosts');
  fs.writeFileSync(f, knownHostsLine(port, hostPublicKey) + '\n', { mode: 0o600 });
  return f;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Adds the VM's login key (to the default user and to every user the user-data creates) and
 * its host key to cloud-init user-data. Returns the new user-data and the user to log in as:
 * the first user the user-data names, else `fallbackUser`.
 */
export function withSshKeys(
  userData: string,
  keys: Pick<VmKeys, 'publicKey' | 'hostPrivateKey' | 'hostPublicKey'>,
  fallbackUser: string,
): { userData: string; user: string } {
  let doc: unknown;
  try {
    doc = userData.trim() ? YAML.parse(userData) : {};
  } catch (e) {
    throw new UserError(`The cloud-init user-data is not valid YAML: ${(e as Error).message.split('\n')[0]}`);
  }
  if (doc === null || doc === undefined) doc = {};
  if (!isObj(doc)) throw new UserError('The cloud-init user-data must be a mapping (#cloud-config).');
  const d = doc;
  const add = (o: Obj) => {
    const list = Array.isArray(o.ssh_authorized_keys) ? (o.ssh_authorized_keys as unknown[]) : [];
    if (!list.includes(keys.publicKey)) list.push(keys.publicKey);
    o.ssh_authorized_keys = list;
  };
  add(d);
  let user: string | undefined;
  if (Array.isArray(d.users))
    for (const u of d.users as unknown[]) {
      if (isObj(u) && typeof u.name === 'string') {
        add(u);
        user ??= u.name;
      }
    }
  const sshKeys = isObj(d.ssh_keys) ? d.ssh_keys : {};
  sshKeys.ed25519_private = keys.hostPrivateKey.endsWith('\n')
    ? keys.hostPrivateKey
    : `${keys.hostPrivateKey}\n`;
  sshKeys.ed25519_public = keys.hostPublicKey;
  d.ssh_keys = sshKeys;
  const body = YAML.stringify(d, { lineWidth: 0 });
  return { userData: `#cloud-config\n${body}`, user: user ?? fallbackUser };
}
