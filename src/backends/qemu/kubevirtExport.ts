/**
 * "Export to KubeVirt…": a stopped Podvisor VM as a KubeVirt containerDisk image and a
 * VirtualMachine manifest that matches it.
 *  - The image is built locally FROM scratch: the VM's disk flattened into one standalone qcow2
 *    (its overlay and base merged by `qemu-img convert`) under `/disk/`, owned by 107 (the qemu
 *    user of KubeVirt's launcher), plus `/boot/vmlinuz` and `/boot/initrd` for a VM that boots a
 *    kernel (KubeVirt's `firmware.kernelBoot.container` reads them from the same image).
 *  - The manifest carries the VM's CPUs, memory, disk, pod network with the forwarded guest
 *    ports, and its cloud-init user-data — without the SSH host private key Podvisor gave the VM
 *    (a cluster object is no place for a private key; the guest there makes its own). What has no
 *    KubeVirt counterpart (shared folders, the engine channel, an ISO) is listed in `notes`.
 *
 * The VM must be stopped: a running QEMU holds its disk, and `qemu-img` is told so by the lock.
 * Everything is made in a work folder beside the VM and removed at the end, whatever happens.
 */
import * as fs from 'fs';
import * as path from 'path';
import YAML from 'yaml';
import type { DockerClient } from '../docker/client';
import { CancelledError, UserError, isCancelled } from '../../common/errors';
import { ProcessError, processRunner, type Runner } from '../../common/process';
import { resolveIn } from './args';
import { runningQemuPid } from './pidfile';
import { vmPaths } from './paths';
import { readSeedIso } from './seedRead';
import type { VmSpec } from './spec';

/** Where the image keeps the kernel and initrd of a kernel-booted VM. */
export const KERNEL_PATH = '/boot/vmlinuz';
export const INITRD_PATH = '/boot/initrd';
/** The qemu user of KubeVirt's virt-launcher: the disk must be readable by it. */
const QEMU_UID = 107;
export const EXPORT_LABEL = 'dev.podvisor.exported-from';

/** A Kubernetes object name (RFC 1123 label) for a VM name. */
export function kubeName(vm: string): string {
  const n = vm
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 63)
    .replace(/-+$/, '');
  return n || 'vm';
}

/** The user-data for the cluster: the VM's, without the host private key Podvisor handed it. */
export function clusterUserData(userData: string): { userData: string; dropped: boolean } {
  let doc: unknown;
  try {
    doc = YAML.parse(userData);
  } catch {
    return { userData, dropped: false };
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return { userData, dropped: false };
  const d = doc as Record<string, unknown>;
  if (!('ssh_keys' in d)) return { userData, dropped: false };
  delete d.ssh_keys;
  return { userData: `#cloud-config\n${YAML.stringify(d, { lineWidth: 0 })}`, dropped: true };
}

export interface ManifestInput {
  readonly spec: VmSpec;
  /** The containerDisk image reference (as the cluster will pull it). */
  readonly image: string;
  readonly userData?: string;
  readonly networkData?: string;
}

/** The VirtualMachine for a VM spec (pure: unit-tested), and what it could not carry. */
export function kubevirtManifest(m: ManifestInput): { manifest: Record<string, unknown>; notes: string[] } {
  const { spec } = m;
  const name = kubeName(spec.name);
  const notes: string[] = [];
  const mem = `${spec.memoryMiB}Mi`;
  const disks: Array<Record<string, unknown>> = [{ name: 'rootdisk', disk: { bus: 'virtio' } }];
  const volumes: Array<Record<string, unknown>> = [{ name: 'rootdisk', containerDisk: { image: m.image } }];
  if (m.userData !== undefined) {
    disks.push({ name: 'cloudinitdisk', disk: { bus: 'virtio' } });
    volumes.push({
      name: 'cloudinitdisk',
      cloudInitNoCloud: { userData: m.userData, ...(m.networkData ? { networkData: m.networkData } : {}) },
    });
  }
  if (spec.disks.length > 1) notes.push(`only the first disk is exported (${spec.disks.length - 1} more)`);
  if (spec.cdrom) notes.push('the installer ISO is not exported');
  if (spec.shares.length) notes.push('shared folders have no KubeVirt counterpart here: not exported');
  if (spec.engine) notes.push('the Engine API channel is local to Podvisor: reach the engine over SSH there');
  const devices: Record<string, unknown> = { disks };
  const networks: Array<Record<string, unknown>> = [];
  if (spec.network.mode === 'user') {
    const ports = spec.network.forwards.map((f) => ({
      port: f.guest,
      ...(f.proto === 'udp' ? { protocol: 'UDP' } : {}),
    }));
    devices.interfaces = [{ name: 'default', masquerade: {}, ...(ports.length ? { ports } : {}) }];
    networks.push({ name: 'default', pod: {} });
  } else devices.autoattachPodInterface = false;
  if (spec.machine !== 'microvm') devices.rng = {};
  const domain: Record<string, unknown> = {
    cpu: { cores: spec.cpus },
    memory: { guest: mem },
    resources: { requests: { memory: mem } },
    devices,
  };
  if (spec.kernel)
    domain.firmware = {
      kernelBoot: {
        container: {
          image: m.image,
          kernelPath: KERNEL_PATH,
          ...(spec.initrd ? { initrdPath: INITRD_PATH } : {}),
        },
        ...(spec.cmdline ? { kernelArgs: spec.cmdline } : {}),
      },
    };
  const manifest = {
    apiVersion: 'kubevirt.io/v1',
    kind: 'VirtualMachine',
    metadata: { name, labels: { 'app.kubernetes.io/managed-by': 'podvisor', [EXPORT_LABEL]: name } },
    spec: {
      runStrategy: 'Always',
      template: {
        metadata: { labels: { 'kubevirt.io/vm': name } },
        spec: {
          domain,
          ...(networks.length ? { networks } : {}),
          volumes,
        },
      },
    },
  };
  return { manifest, notes };
}

export interface ExportOptions {
  /** The VM's folder and its parsed spec (the VM is stopped). */
  readonly dir: string;
  readonly spec: VmSpec;
  /** The engine that builds the image. */
  readonly engine: DockerClient;
  /** The image reference to build (and later push): `[registry/]repo:tag`. */
  readonly image: string;
  readonly runner?: Runner;
  readonly signal?: AbortSignal;
  readonly onLine?: (line: string) => void;
}

export interface ExportResult {
  readonly image: string;
  readonly imageId: string;
  readonly manifest: Record<string, unknown>;
  readonly yaml: string;
  readonly notes: readonly string[];
  readonly diskBytes: number;
}

/** The Dockerfile of the containerDisk (no RUN: FROM scratch has nothing to run). */
export function containerDiskDockerfile(withKernel: boolean, withInitrd: boolean): string {
  return [
    'FROM scratch',
    `COPY --chown=${QEMU_UID}:${QEMU_UID} disk/ /disk/`,
    ...(withKernel ? [`COPY kernel ${KERNEL_PATH}`] : []),
    ...(withInitrd ? [`COPY initrd ${INITRD_PATH}`] : []),
    '',
  ].join('\n');
}

function lockProblem(e: unknown): string | undefined {
  const msg = e instanceof ProcessError ? `${e.reason ?? ''} ${e.message}` : '';
  return /Failed to get .*lock|Is another process using the image/i.test(msg) ? msg : undefined;
}

/** Builds the image (and returns the manifest); nothing is left behind on failure or cancel. */
export async function exportToKubevirt(o: ExportOptions): Promise<ExportResult> {
  const { spec, dir } = o;
  const runner = o.runner ?? processRunner;
  const paths = vmPaths(dir);
  const pid = runningQemuPid(paths);
  if (pid)
    throw new UserError(
      `VM "${spec.name}" is running (QEMU pid ${pid} holds its disk); shut it down before exporting it.`,
    );
  const first = spec.disks[0];
  if (!first) throw new UserError(`VM "${spec.name}" has no disk to export.`);
  const disk = resolveIn(dir, first.file);
  let userData: string | undefined;
  let networkData: string | undefined;
  let droppedHostKey = false;
  if (spec.seed) {
    const files = readSeedIso(resolveIn(dir, spec.seed));
    const ud = files.get('user-data');
    if (ud !== undefined) {
      const c = clusterUserData(ud);
      userData = c.userData;
      droppedHostKey = c.dropped;
    }
    networkData = files.get('network-config');
  }
  const work = fs.mkdtempSync(path.join(path.dirname(dir), `.${spec.name}.export-`));
  try {
    fs.mkdirSync(path.join(work, 'disk'));
    const out = path.join(work, 'disk', 'disk.qcow2');
    try {
      // One standalone file: the overlay with its base merged in (zero clusters are not written).
      await runner.run(
        {
          command: 'qemu-img',
          args: ['convert', '-p', '-O', 'qcow2', '-f', first.format, disk, out],
          label: 'qemu-img convert',
          hint: 'Debian package qemu-utils',
        },
        o.signal,
      );
    } catch (e) {
      const lock = lockProblem(e);
      if (lock)
        throw new UserError(
          `The disk of VM "${spec.name}" is in use by another QEMU (${disk}); stop that VM before exporting: ${lock.trim()}`,
        );
      throw e;
    }
    if (spec.kernel) fs.copyFileSync(resolveIn(dir, spec.kernel), path.join(work, 'kernel'));
    if (spec.initrd) fs.copyFileSync(resolveIn(dir, spec.initrd), path.join(work, 'initrd'));
    fs.writeFileSync(
      path.join(work, 'Dockerfile'),
      containerDiskDockerfile(!!spec.kernel, !!spec.kernel && !!spec.initrd),
    );
    const imageId = await o.engine.build(
      {
        context: work,
        dockerfile: 'Dockerfile',
        tag: o.image,
        args: {},
        labels: { [EXPORT_LABEL]: spec.name },
      },
      { ...(o.signal ? { signal: o.signal } : {}), ...(o.onLine ? { onLine: o.onLine } : {}) },
    );
    const { manifest, notes } = kubevirtManifest({
      spec,
      image: o.image,
      ...(userData !== undefined ? { userData } : {}),
      ...(networkData ? { networkData } : {}),
    });
    if (droppedHostKey)
      notes.push("the VM's SSH host key is not exported (the cluster's guest makes its own)");
    const yaml = `# Exported by Podvisor from VM ${spec.name}\n${YAML.stringify(manifest, { lineWidth: 0 })}`;
    return { image: o.image, imageId, manifest, yaml, notes, diskBytes: fs.statSync(out).size };
  } catch (e) {
    if (isCancelled(e) || o.signal?.aborted) throw new CancelledError();
    throw e;
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}
