/**
 * The VM spec: what `spec.json` in a VM's folder holds, and what a launcher needs. Parsed with
 * runtime checks from files the user may have edited (JSON or YAML), so every field is
 * validated here before it reaches a QEMU argument.
 */
import * as path from 'path';
import { UserError } from '../../common/errors';
import { shareTagProblem, vmNameProblem } from './names';
import { textOf } from '../../common/text';

export type Machine = 'microvm' | 'q35' | 'pc';
export type AccelChoice = 'auto' | 'kvm' | 'tcg';

export interface DiskSpec {
  /** The file QEMU writes: a qcow2 overlay inside the VM folder (relative) or an absolute path. */
  readonly file: string;
  readonly format: 'qcow2' | 'raw';
  /** The read-only base image the overlay sits on (absolute), for display and checks. */
  readonly base?: string;
  readonly readOnly?: boolean;
}

export interface PortForward {
  readonly host: number;
  readonly guest: number;
  readonly proto: 'tcp' | 'udp';
}

export interface ShareSpec {
  readonly tag: string;
  /** Host folder (absolute). */
  readonly path: string;
  readonly readOnly?: boolean;
}

export interface VmSpec {
  readonly version: 1;
  readonly name: string;
  readonly cpus: number;
  readonly memoryMiB: number;
  readonly machine: Machine;
  readonly kernel?: string;
  readonly initrd?: string;
  readonly cmdline?: string;
  readonly disks: readonly DiskSpec[];
  /** Installer ISO (absolute, attached read-only as a CD-ROM). */
  readonly cdrom?: string;
  /** cloud-init NoCloud seed ISO (relative to the VM folder, read-only CD-ROM). */
  readonly seed?: string;
  readonly network: { readonly mode: 'user' | 'none'; readonly forwards: readonly PortForward[] };
  readonly shares: readonly ShareSpec[];
  /** Per-VM override of the `podvisor.vm.accelerator` / `podvisor.vm.cpuModel` settings. */
  readonly accelerator?: AccelChoice;
  readonly cpuModel?: string;
  readonly createdAt?: string;
  /** virtio-serial ports (guest sees /dev/virtio-ports/NAME; QEMU serves each on a socket). */
  readonly channels?: readonly string[];
  /** An engine VM: its guest runs a container engine reached through the `org.podvisor.engine` channel. */
  readonly engine?: EngineSpec;
  /** SSH into the guest: the forwarded host port (127.0.0.1) and the login user. */
  readonly ssh?: SshSpec;
  /** A graphical console: a VGA display served by QEMU's VNC server on a unix socket. */
  readonly display?: 'vnc';
}

export interface EngineSpec {
  readonly kind: 'docker';
  /** Content hash of the engine image the disk was made from (for the tooltip and support). */
  readonly image?: string;
}

export interface SshSpec {
  readonly user: string;
  readonly port: number;
}

/** virtio-serial port names: reverse-DNS style, no separators QEMU would parse. */
export function channelNameProblem(n: string): string | undefined {
  return /^[a-z0-9][a-z0-9.-]{0,62}$/.test(n) ? undefined : `"${n}" is not a valid channel name`;
}

/** A login name for SSH (the POSIX portable set, as useradd accepts it). */
export function sshUserProblem(u: string): string | undefined {
  return /^[a-z_][a-z0-9_-]{0,31}$/.test(u) ? undefined : `"${u}" is not a valid user name`;
}

type Obj = Partial<Record<string, unknown>>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

const MACHINES: readonly Machine[] = ['microvm', 'q35', 'pc'];
const ACCELS: readonly AccelChoice[] = ['auto', 'kvm', 'tcg'];
export const isMachine = (v: unknown): v is Machine => MACHINES.some((m) => m === v);
export const isAccelChoice = (v: unknown): v is AccelChoice => ACCELS.some((a) => a === v);

function bad(where: string, msg: string): never {
  throw new UserError(`Invalid VM spec${where ? ` (${where})` : ''}: ${msg}`);
}

function optStr(o: Obj, k: string, where: string): string | undefined {
  const v = o[k];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') bad(where, `"${k}" must be a string`);
  return v;
}

function int(o: Obj, k: string, def: number, min: number, max: number, where: string): number {
  const v = o[k] ?? def;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max)
    bad(where, `"${k}" must be an integer from ${min} to ${max}`);
  return v;
}

/** CPU model names QEMU accepts look like `max`, `host`, `Skylake-Client-v4`, `qemu64`. */
export function cpuModelProblem(m: string): string | undefined {
  return /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(m) ? undefined : `"${m}" is not a CPU model name`;
}

export function parsePortForward(v: unknown, where: string): PortForward {
  if (typeof v === 'string') {
    // "8080:80" or "8080:80/udp"
    const m = /^(\d{1,5}):(\d{1,5})(?:\/(tcp|udp))?$/.exec(v.trim());
    if (!m) bad(where, `port forward "${v}" must look like HOST:GUEST or HOST:GUEST/udp`);
    return checkPorts(
      { host: Number(m[1]), guest: Number(m[2]), proto: (m[3] as 'tcp' | 'udp' | undefined) ?? 'tcp' },
      where,
    );
  }
  if (!isObj(v)) bad(where, 'a port forward must be "HOST:GUEST" or {host, guest, proto}');
  const proto = v.proto ?? 'tcp';
  if (proto !== 'tcp' && proto !== 'udp') bad(where, '"proto" must be tcp or udp');
  return checkPorts(
    { host: int(v, 'host', -1, 1, 65535, where), guest: int(v, 'guest', -1, 1, 65535, where), proto },
    where,
  );
}

function checkPorts(f: PortForward, where: string): PortForward {
  if (f.host < 1 || f.host > 65535 || f.guest < 1 || f.guest > 65535)
    bad(where, `ports must be 1–65535 (got ${f.host}:${f.guest})`);
  return f;
}

/** One shared folder: a valid virtiofs tag and an absolute host path. */
export function parseShareSpec(s: unknown, i: number, where: string): ShareSpec {
  if (!isObj(s)) bad(where, `shares[${i}] must be an object`);
  const tag = optStr(s, 'tag', where) ?? bad(where, `shares[${i}].tag is required`);
  const tp = shareTagProblem(tag);
  if (tp) bad(where, tp);
  const p = optStr(s, 'path', where) ?? bad(where, `shares[${i}].path is required`);
  if (!path.isAbsolute(p)) bad(where, `shares[${i}].path must be absolute`);
  return { tag, path: p, readOnly: s.readOnly === true };
}

/** Validates a parsed spec object (from spec.json or a user's file). Relative paths stay relative. */
export function parseVmSpec(raw: unknown, where = ''): VmSpec {
  if (!isObj(raw)) bad(where, 'expected an object');
  if (raw.version !== undefined && raw.version !== 1)
    bad(where, `unsupported version ${textOf(raw.version)}`);
  const name = optStr(raw, 'name', where) ?? bad(where, '"name" is required');
  const np = vmNameProblem(name);
  if (np) bad(where, np);
  const machine = raw.machine ?? 'microvm';
  if (!isMachine(machine)) bad(where, '"machine" must be microvm, q35 or pc');
  const disks = raw.disks ?? [];
  if (!Array.isArray(disks)) bad(where, '"disks" must be a list');
  const parsedDisks = disks.map((d, i): DiskSpec => {
    if (!isObj(d)) bad(where, `disks[${i}] must be an object`);
    const file = optStr(d, 'file', where) ?? bad(where, `disks[${i}].file is required`);
    const format = d.format ?? 'qcow2';
    if (format !== 'qcow2' && format !== 'raw') bad(where, `disks[${i}].format must be qcow2 or raw`);
    if (file.includes(',')) bad(where, `disks[${i}].file must not contain ","`);
    return { file, format, base: optStr(d, 'base', where), readOnly: d.readOnly === true };
  });
  const net = isObj(raw.network) ? raw.network : {};
  const mode = net.mode ?? 'user';
  if (mode !== 'user' && mode !== 'none') bad(where, 'network.mode must be user or none');
  const fw = net.forwards ?? [];
  if (!Array.isArray(fw)) bad(where, 'network.forwards must be a list');
  const forwards = fw.map((f) => parsePortForward(f, where));
  const seen = new Set<string>();
  for (const f of forwards) {
    const k = `${f.proto}:${f.host}`;
    if (seen.has(k)) bad(where, `host port ${f.host}/${f.proto} is forwarded twice`);
    seen.add(k);
  }
  if (forwards.length && mode === 'none') bad(where, 'port forwards need network.mode "user"');
  const sh = raw.shares ?? [];
  if (!Array.isArray(sh)) bad(where, '"shares" must be a list');
  const shares = sh.map((s, i) => parseShareSpec(s, i, where));
  const accelerator = raw.accelerator ?? undefined;
  if (accelerator !== undefined && !isAccelChoice(accelerator))
    bad(where, '"accelerator" must be auto, kvm or tcg');
  const cpuModel = optStr(raw, 'cpuModel', where);
  if (cpuModel) {
    const cp = cpuModelProblem(cpuModel);
    if (cp) bad(where, cp);
  }
  const kernel = optStr(raw, 'kernel', where);
  const initrd = optStr(raw, 'initrd', where);
  const cdrom = optStr(raw, 'cdrom', where);
  const seed = optStr(raw, 'seed', where);
  for (const [k, v] of Object.entries({ kernel, initrd, cdrom, seed }))
    if (v?.includes(',')) bad(where, `"${k}" must not contain ","`);
  if (initrd && !kernel) bad(where, '"initrd" needs "kernel"');
  if (machine === 'microvm' && !kernel)
    bad(where, 'machine "microvm" boots only with "kernel" (it has no firmware boot); use q35');
  if (!kernel && !cdrom && parsedDisks.length === 0)
    bad(where, 'nothing to boot: give a disk, an ISO or a kernel');
  const ch = (raw.channels ?? []) as unknown;
  if (!Array.isArray(ch)) bad(where, '"channels" must be a list');
  const channels = ch.map((c, i): string => {
    if (typeof c !== 'string') bad(where, `channels[${i}] must be a string`);
    const cp = channelNameProblem(c);
    if (cp) bad(where, cp);
    return c;
  });
  let engine: EngineSpec | undefined;
  if (raw.engine !== undefined) {
    if (!isObj(raw.engine) || raw.engine.kind !== 'docker') bad(where, '"engine.kind" must be docker');
    engine = { kind: 'docker', image: optStr(raw.engine, 'image', where) };
    if (!channels.includes(ENGINE_CHANNEL)) bad(where, `an engine VM needs the channel ${ENGINE_CHANNEL}`);
  }
  let ssh: SshSpec | undefined;
  if (raw.ssh !== undefined) {
    if (!isObj(raw.ssh)) bad(where, '"ssh" must be an object');
    const user = optStr(raw.ssh, 'user', where) ?? bad(where, '"ssh.user" is required');
    const up = sshUserProblem(user);
    if (up) bad(where, up);
    const port = int(raw.ssh, 'port', -1, 1, 65535, where);
    if (!forwards.some((f) => f.proto === 'tcp' && f.host === port && f.guest === 22))
      bad(where, `"ssh.port" ${port} must be forwarded to guest port 22`);
    ssh = { user, port };
  }
  const display = raw.display ?? undefined;
  if (display !== undefined && display !== 'vnc') bad(where, '"display" must be vnc');
  if (display && machine === 'microvm') bad(where, 'a microvm has no display; use q35 for "display": "vnc"');
  return {
    version: 1,
    name,
    cpus: int(raw, 'cpus', 1, 1, 64, where),
    memoryMiB: int(raw, 'memoryMiB', 512, 32, 1024 * 1024, where),
    machine,
    kernel,
    initrd,
    cmdline: optStr(raw, 'cmdline', where),
    disks: parsedDisks,
    cdrom,
    seed,
    network: { mode, forwards },
    shares,
    accelerator,
    cpuModel,
    createdAt: optStr(raw, 'createdAt', where),
    ...(channels.length ? { channels } : {}),
    ...(engine ? { engine } : {}),
    ...(ssh ? { ssh } : {}),
    ...(display ? { display } : {}),
  };
}

/** The channel an engine VM's agent listens on. */
export const ENGINE_CHANNEL = 'org.podvisor.engine';
