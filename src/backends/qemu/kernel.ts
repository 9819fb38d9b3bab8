import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { UserError, isCancelled, isUserError, messageOf } from '../../common/errors';
import { processFailureOf, processRunner, type Runner } from '../../common/process';

/**
 * The guest kernel of microVM sandboxes and engine VMs: the `podvisor.sandbox.kernel` setting, else Debian's cloud kernel (small,
 * virtio-only, boots fast): the host's own when installed in /boot, otherwise the package is
 * downloaded with apt and unpacked into the cache (nothing is installed on the host).
 */
export interface KernelFiles {
  readonly version: string;
  readonly vmlinuz: string;
  /** `lib/modules/<version>` for the initramfs; undefined for a user kernel (drivers must be built in). */
  readonly modules?: string;
}

export async function resolveKernel(
  setting: string,
  cacheDir: string,
  signal?: AbortSignal,
  runner: Runner = processRunner,
): Promise<KernelFiles> {
  if (setting) {
    if (!fs.existsSync(setting))
      throw new UserError(`Kernel ${setting} not found (setting podvisor.sandbox.kernel)`);
    const version = /vmlinuz-(.+)$/.exec(path.basename(setting))?.[1] ?? 'custom';
    const mods = path.join('/lib/modules', version);
    return { version, vmlinuz: setting, ...(fs.existsSync(mods) ? { modules: mods } : {}) };
  }
  const host = fs.existsSync('/boot')
    ? fs
        .readdirSync('/boot')
        .filter((f) => /^vmlinuz-.*-cloud-amd64$/.test(f))
        .sort()
        .pop()
    : undefined;
  if (host) {
    const version = host.slice('vmlinuz-'.length);
    if (fs.existsSync(path.join('/lib/modules', version)))
      return { version, vmlinuz: path.join('/boot', host), modules: path.join('/lib/modules', version) };
  }
  if (!fs.existsSync('/etc/debian_version'))
    throw new UserError(
      'No microVM kernel: set podvisor.sandbox.kernel to a vmlinuz with virtio, virtiofs and ext4 built in',
    );
  // A kernel fetched before is used as is: asking apt costs a second or more per launch.
  const kroot = path.join(cacheDir, 'kernels');
  const cached = fs.existsSync(kroot)
    ? fs
        .readdirSync(kroot)
        .filter((v) => fs.existsSync(path.join(kroot, v, 'ready')))
        .sort()
        .pop()
    : undefined;
  if (cached)
    return {
      version: cached,
      vmlinuz: path.join(kroot, cached, 'boot', `vmlinuz-${cached}`),
      modules: path.join(kroot, cached, 'lib', 'modules', cached),
    };
  let pkg: string | undefined;
  try {
    const r = await runner.run(
      { command: 'apt-cache', args: ['depends', 'linux-image-cloud-amd64'], timeoutMs: 60_000 },
      signal,
    );
    pkg = /Depends:\s*(linux-image-\S+-cloud-amd64)/.exec(r.stdout)?.[1];
  } catch (e) {
    if (!isUserError(e)) throw e; // cancelled
    throw new UserError(`No microVM kernel: ${messageOf(e)}; set podvisor.sandbox.kernel`, e.detail);
  }
  if (!pkg)
    throw new UserError(
      'No microVM kernel: the package linux-image-cloud-amd64 is unknown to apt; set podvisor.sandbox.kernel',
    );
  const version = pkg.replace(/^linux-image-/, '');
  const dir = path.join(cacheDir, 'kernels', version);
  const ready = path.join(dir, 'ready');
  if (!fs.existsSync(ready)) {
    const work = fs.mkdtempSync(path.join(os.tmpdir(), 'pv-sbx-kernel-'));
    try {
      await runner.run(
        { command: 'apt-get', args: ['download', pkg], cwd: work, timeoutMs: 900_000 },
        signal,
      );
      const deb = fs.readdirSync(work).find((f) => f.endsWith('.deb'));
      if (!deb) throw new UserError(`apt-get download ${pkg} produced no .deb`);
      fs.rmSync(dir, { recursive: true, force: true });
      fs.mkdirSync(dir, { recursive: true });
      await runner.run(
        { command: 'dpkg-deb', args: ['-x', path.join(work, deb), dir], timeoutMs: 300_000 },
        signal,
      );
      fs.writeFileSync(ready, pkg + '\n');
    } catch (e) {
      fs.rmSync(dir, { recursive: true, force: true });
      // Cancelled, or our own words already: as it is. A tool's failure or an fs error: say what for.
      if (isCancelled(e) || (isUserError(e) && !processFailureOf(e))) throw e;
      const detail = isUserError(e) ? e.detail : undefined;
      throw new UserError(`Could not fetch the microVM kernel ${pkg}: ${messageOf(e)}`, detail);
    } finally {
      fs.rmSync(work, { recursive: true, force: true });
    }
  }
  return {
    version,
    vmlinuz: path.join(dir, 'boot', `vmlinuz-${version}`),
    modules: path.join(dir, 'lib', 'modules', version),
  };
}
