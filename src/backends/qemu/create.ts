/**
 * Creating a VM: from an existing disk image, an installer ISO, a kernel (+initrd), or a cloud
 * image with a cloud-init NoCloud seed. The same request comes from the guided flow or from a
 * JSON/YAML spec file (relative paths there are relative to the file). Everything is checked
 * before anything is written, and the VM folder is built under a temporary name and renamed at
 * the end, so a failure leaves nothing behind.
 */
import * as fs from 'fs';
import * as path from 'path';
import YAML from 'yaml';
import { UserError } from '../../common/errors';
import { processRunner, type Runner } from '../../common/process';
import { checkBaseDisk, checkIso, checkKernel, createEmptyDisk, createOverlay } from './images';
import { vmNameProblem } from './names';
import { freePort } from '../../common/net';
import { defaultMetaData, writeSeedIso } from './seed';
import { generateVmKeys, withSshKeys, writeKnownHosts } from './sshKeys';
import {
  isAccelChoice,
  isMachine,
  parsePortForward,
  parseShareSpec,
  parseVmSpec,
  type AccelChoice,
  type EngineSpec,
  type Machine,
  type PortForward,
  type ShareSpec,
  type VmSpec,
} from './spec';

export type VmSource =
  | { readonly kind: 'disk'; readonly image: string }
  | { readonly kind: 'iso'; readonly iso: string; readonly diskGiB: number }
  | {
      readonly kind: 'kernel';
      readonly kernel: string;
      readonly initrd?: string;
      readonly cmdline?: string;
      readonly disk?: string;
    }
  | {
      readonly kind: 'cloud';
      readonly image: string;
      readonly userData: string;
      readonly networkConfig?: string;
    };

export interface CreateRequest {
  readonly name: string;
  readonly cpus?: number;
  readonly memoryMiB?: number;
  readonly machine?: Machine;
  readonly source: VmSource;
  readonly forwards?: readonly PortForward[];
  readonly shares?: readonly ShareSpec[];
  readonly accelerator?: AccelChoice;
  readonly cpuModel?: string;
  /** cloud-init user-data for a source other than "cloud" (which carries its own). */
  readonly cloudInit?: { readonly userData: string; readonly networkConfig?: string };
  /**
   * SSH access: a key pair and a host key are made for the VM and put into its cloud-init
   * user-data, and a free host port on 127.0.0.1 is forwarded to guest port 22 (unless given).
   * `user` is who logs in when the user-data names no user.
   */
  readonly ssh?: { readonly user: string; readonly port?: number };
  readonly channels?: readonly string[];
  readonly engine?: EngineSpec;
  readonly display?: 'vnc';
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Parses a spec file's text (YAML or JSON; JSON is YAML) into a request. Shape:
 * `{ name, cpus?, memoryMiB?, machine?, from: { disk | iso (+diskGiB) | kernel (+initrd, cmdline, disk) | cloudImage (+userData | userDataFile) },
 *    forwards?: ["8080:80"], shares?: [{tag, path}], accelerator?, cpuModel? }`
 */
export function parseCreateRequest(textContent: string, file: string): CreateRequest {
  let raw: unknown;
  try {
    raw = YAML.parse(textContent);
  } catch (e) {
    throw new UserError(
      `${path.basename(file)} is not valid YAML/JSON: ${(e as Error).message.split('\n')[0]}`,
    );
  }
  const where = path.basename(file);
  // Typed as a declaration so that `bad(…)` narrows like a throw.
  const bad: (m: string) => never = (m) => {
    throw new UserError(`Invalid VM spec file ${where}: ${m}`);
  };
  if (!isObj(raw)) bad('expected a mapping at the top');
  const o: Obj = raw;
  const base = path.dirname(path.resolve(file));
  const abs = (v: unknown, k: string): string => {
    if (typeof v !== 'string' || !v) return bad(`"${k}" must be a path`);
    return path.resolve(base, v.startsWith('~/') ? path.join(process.env.HOME ?? '/', v.slice(2)) : v);
  };
  const from = isObj(o.from) ? o.from : bad('"from" is required: one of disk, iso, kernel, cloudImage');
  let source: VmSource;
  if (from.disk !== undefined && from.kernel === undefined)
    source = { kind: 'disk', image: abs(from.disk, 'from.disk') };
  else if (from.iso !== undefined)
    source = {
      kind: 'iso',
      iso: abs(from.iso, 'from.iso'),
      diskGiB: typeof from.diskGiB === 'number' ? from.diskGiB : 20,
    };
  else if (from.kernel !== undefined) {
    source = {
      kind: 'kernel',
      kernel: abs(from.kernel, 'from.kernel'),
      initrd: from.initrd !== undefined ? abs(from.initrd, 'from.initrd') : undefined,
      cmdline: typeof from.cmdline === 'string' ? from.cmdline : undefined,
      disk: from.disk !== undefined ? abs(from.disk, 'from.disk') : undefined,
    };
  } else if (from.cloudImage !== undefined) {
    let userData: string;
    if (typeof from.userData === 'string') userData = from.userData;
    else if (from.userDataFile !== undefined)
      userData = fs.readFileSync(abs(from.userDataFile, 'from.userDataFile'), 'utf8');
    else userData = bad('a cloud image needs "userData" or "userDataFile"');
    source = {
      kind: 'cloud',
      image: abs(from.cloudImage, 'from.cloudImage'),
      userData,
      networkConfig: typeof from.networkConfig === 'string' ? from.networkConfig : undefined,
    };
  } else source = bad('"from" needs one of disk, iso, kernel, cloudImage');
  const fw = o.forwards ?? [];
  if (!Array.isArray(fw)) bad('"forwards" must be a list');
  const shares = o.shares ?? [];
  if (!Array.isArray(shares)) bad('"shares" must be a list');
  if (o.machine !== undefined && !isMachine(o.machine)) bad('"machine" must be microvm, q35 or pc');
  if (o.accelerator !== undefined && !isAccelChoice(o.accelerator))
    bad('"accelerator" must be auto, kvm or tcg');
  return {
    name: typeof o.name === 'string' ? o.name : bad('"name" is required'),
    cpus: typeof o.cpus === 'number' ? o.cpus : undefined,
    memoryMiB: typeof o.memoryMiB === 'number' ? o.memoryMiB : undefined,
    machine: isMachine(o.machine) ? o.machine : undefined,
    source,
    forwards: fw.map((f) => parsePortForward(f, where)),
    // Relative share paths are relative to the file; the rest is checked like a spec's.
    shares: shares.map((s, i) =>
      parseShareSpec(
        isObj(s) && typeof s.path === 'string' ? { ...s, path: abs(s.path, 'shares.path') } : s,
        i,
        where,
      ),
    ),
    accelerator: isAccelChoice(o.accelerator) ? o.accelerator : undefined,
    cpuModel: typeof o.cpuModel === 'string' ? o.cpuModel : undefined,
  };
}

/** Creates the VM folder `home/NAME`; returns the stored spec. Nothing is left behind on failure. */
export async function createVm(
  home: string,
  req: CreateRequest,
  signal?: AbortSignal,
  runner: Runner = processRunner,
): Promise<VmSpec> {
  const np = vmNameProblem(req.name);
  if (np) throw new UserError(np);
  if (home.includes(','))
    throw new UserError(
      `The VM home ${home} contains ",", which QEMU options cannot carry. Set podvisor.vm.home to another folder.`,
    );
  const dir = path.join(home, req.name);
  if (fs.existsSync(dir)) throw new UserError(`A VM named "${req.name}" already exists.`);
  const createdAt = new Date().toISOString();
  const src = req.source;

  // 1. Check every input before touching the disk.
  let baseFormat: 'qcow2' | 'raw' | undefined;
  let baseImage: string | undefined;
  if (src.kind === 'disk' || src.kind === 'cloud' || (src.kind === 'kernel' && src.disk)) {
    baseImage = src.kind === 'kernel' ? src.disk! : src.image;
    const format = (await checkBaseDisk(baseImage, signal, runner)).format;
    baseFormat = format === 'raw' ? 'raw' : 'qcow2';
  }
  if (src.kind === 'iso') {
    checkIso(src.iso);
    if (!(src.diskGiB >= 1 && src.diskGiB <= 4096))
      throw new UserError('The new disk size must be 1–4096 GiB.');
  }
  if (src.kind === 'kernel') checkKernel(src.kernel, src.initrd);
  if (src.kind === 'cloud' && !src.userData.trim()) throw new UserError('cloud-init user-data is empty.');
  const userData0 = src.kind === 'cloud' ? src.userData : req.cloudInit?.userData;
  const networkConfig = src.kind === 'cloud' ? src.networkConfig : req.cloudInit?.networkConfig;
  const sshPort = req.ssh ? (req.ssh.port ?? (await freePort())) : undefined;
  const forwards = [...(req.forwards ?? [])];
  if (sshPort !== undefined && !forwards.some((f) => f.proto === 'tcp' && f.host === sshPort))
    forwards.push({ host: sshPort, guest: 22, proto: 'tcp' });
  const withSeed = userData0 !== undefined || !!req.ssh;

  const machine: Machine = req.machine ?? (src.kind === 'kernel' ? 'microvm' : 'q35');
  const draft = {
    version: 1,
    name: req.name,
    cpus: req.cpus ?? 1,
    memoryMiB: req.memoryMiB ?? (src.kind === 'kernel' ? 256 : 1024),
    machine,
    kernel: src.kind === 'kernel' ? src.kernel : undefined,
    initrd: src.kind === 'kernel' ? src.initrd : undefined,
    cmdline: src.kind === 'kernel' ? (src.cmdline ?? 'console=ttyS0') : undefined,
    disks: baseImage
      ? [{ file: 'disk0.qcow2', format: 'qcow2', base: path.resolve(baseImage) }]
      : src.kind === 'iso'
        ? [{ file: 'disk0.qcow2', format: 'qcow2' }]
        : [],
    cdrom: src.kind === 'iso' ? path.resolve(src.iso) : undefined,
    seed: withSeed ? 'seed.iso' : undefined,
    network: { mode: 'user', forwards },
    shares: req.shares ?? [],
    accelerator: req.accelerator,
    cpuModel: req.cpuModel,
    createdAt,
    channels: req.channels?.length ? req.channels : undefined,
    engine: req.engine,
    // The login user is known once the user-data is read (below); the spec is checked again then.
    ssh: req.ssh && sshPort !== undefined ? { user: req.ssh.user, port: sshPort } : undefined,
    display: req.display,
  };
  let spec = parseVmSpec(JSON.parse(JSON.stringify(draft)), req.name);

  // 2. Build it under a temporary name; rename at the end.
  fs.mkdirSync(home, { recursive: true });
  const tmp = fs.mkdtempSync(path.join(home, `.${req.name}.creating-`));
  try {
    if (baseImage && baseFormat)
      await createOverlay(path.resolve(baseImage), baseFormat, path.join(tmp, 'disk0.qcow2'), signal, runner);
    if (src.kind === 'iso') await createEmptyDisk(path.join(tmp, 'disk0.qcow2'), src.diskGiB, signal, runner);
    if (withSeed) {
      let userData = userData0 ?? '#cloud-config\n';
      if (req.ssh && sshPort !== undefined) {
        const keys = await generateVmKeys(path.join(tmp, 'ssh'), req.name, runner, signal);
        writeKnownHosts(path.join(tmp, 'ssh'), sshPort, keys.hostPublicKey);
        const merged = withSshKeys(userData, keys, req.ssh.user);
        userData = merged.userData;
        spec = parseVmSpec({ ...spec, ssh: { user: merged.user, port: sshPort } }, req.name);
      }
      writeSeedIso(path.join(tmp, 'seed.iso'), {
        userData,
        metaData: defaultMetaData(req.name, createdAt),
        networkConfig,
      });
    }
    fs.writeFileSync(path.join(tmp, 'spec.json'), JSON.stringify(spec, null, 2) + '\n');
    fs.renameSync(tmp, dir);
  } catch (e) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
  return spec;
}
