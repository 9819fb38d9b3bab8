import { UserError } from '../../common/errors';
import { checkDomainName, checkSnapshotName, checkUri } from './names';
import { parseDomstats, parseSnapshotList } from './parse';
import type { Domain, Snapshot } from './types';
import { failureOf, virsh, type RunOptions, type VirshOptions } from './virsh';

export type DomainAction = 'start' | 'shutdown' | 'destroy' | 'reboot' | 'suspend' | 'resume';

const STATS = ['--raw', '--state', '--vcpu', '--balloon'];

/** One libvirt connection (URI), driven through virsh. Every domain name is checked first. */
export class LibvirtClient {
  constructor(
    readonly uri: string,
    private readonly o: VirshOptions,
  ) {
    checkUri(uri);
  }

  private run(args: string[], ro?: RunOptions): Promise<string> {
    return virsh(this.o, this.uri, args, ro);
  }

  /** Every domain (running or not) with state, vCPUs and memory: one virsh process for all. */
  async listDomains(ro?: RunOptions): Promise<Domain[]> {
    const out = await this.run(['domstats', ...STATS], { timeoutMs: 20_000, ...ro });
    const parsed = parseDomstats(this.uri, out);
    if (!parsed.ok) throw new UserError(`Could not read the domains of ${this.uri}: ${parsed.error}`);
    return parsed.value.sort((a, b) => a.name.localeCompare(b.name));
  }

  /** One domain, or undefined when it no longer exists (undefined by someone else). */
  async domain(name: string, ro?: RunOptions): Promise<Domain | undefined> {
    checkDomainName(name);
    try {
      const out = await this.run(['domstats', ...STATS, '--domain', name], { timeoutMs: 20_000, ...ro });
      const parsed = parseDomstats(this.uri, out);
      if (!parsed.ok) throw new UserError(`Could not read domain ${name} on ${this.uri}: ${parsed.error}`);
      return parsed.value.find((d) => d.name === name);
    } catch (e) {
      if (failureOf(e) === 'no-domain') return undefined;
      throw e;
    }
  }

  /** The lifecycle actions; `destroy` is a hard power-off (the caller asks first). */
  async act(action: DomainAction, name: string, ro?: RunOptions): Promise<void> {
    checkDomainName(name);
    await this.run([action, '--domain', name], ro);
  }

  async snapshots(name: string, ro?: RunOptions): Promise<Snapshot[]> {
    checkDomainName(name);
    const [list, current] = await Promise.all([
      this.run(['snapshot-list', '--domain', name], ro),
      this.run(['snapshot-current', '--domain', name, '--name'], ro).then(
        (s) => s.trim(),
        () => undefined,
      ),
    ]);
    const parsed = parseSnapshotList(list, current);
    if (!parsed.ok) throw new UserError(`Could not read the snapshots of ${name}: ${parsed.error}`);
    return parsed.value;
  }

  async createSnapshot(
    name: string,
    snapshot: string,
    description: string | undefined,
    ro?: RunOptions,
  ): Promise<void> {
    checkDomainName(name);
    checkSnapshotName(snapshot);
    const args = ['snapshot-create-as', '--domain', name, '--name', snapshot, '--atomic'];
    if (description) args.push('--description', description);
    await this.run(args, { timeoutMs: 300_000, ...ro });
  }

  async revertSnapshot(name: string, snapshot: string, ro?: RunOptions): Promise<void> {
    checkDomainName(name);
    if (typeof snapshot !== 'string' || !snapshot || snapshot.startsWith('-'))
      throw new UserError(`Invalid snapshot name ${JSON.stringify(snapshot)}.`);
    await this.run(['snapshot-revert', '--domain', name, '--snapshotname', snapshot], {
      timeoutMs: 300_000,
      ...ro,
    });
  }

  async deleteSnapshot(name: string, snapshot: string, ro?: RunOptions): Promise<void> {
    checkDomainName(name);
    if (typeof snapshot !== 'string' || !snapshot || snapshot.startsWith('-'))
      throw new UserError(`Invalid snapshot name ${JSON.stringify(snapshot)}.`);
    await this.run(['snapshot-delete', '--domain', name, '--snapshotname', snapshot], {
      timeoutMs: 300_000,
      ...ro,
    });
  }

  /**
   * The serial console as a command to run in a real terminal. virsh console refuses to run
   * without a controlling TTY ("Cannot run interactive console without a controlling TTY"), so
   * a pipe-backed Pseudoterminal can't host it; a VS Code terminal (which has a pty) can.
   * `--force` takes the console over from a stale session. Ctrl+] detaches.
   */
  consoleCommand(name: string): { command: string; args: string[] } {
    checkDomainName(name);
    return { command: this.o.virsh, args: ['-c', this.uri, 'console', '--domain', name, '--force'] };
  }
}
