import * as crypto from 'crypto';
import * as fs from 'fs';

import * as path from 'path';
import { UserError, isCancelled, messageOf } from '../common/errors';
import { ProcessError, processRunner, type Runner } from '../common/process';
import type { CreateRequest } from '../backends/qemu/create';
import { freePort } from '../backends/qemu/ports';
import { defaultMetaData, writeSeedIso } from '../backends/qemu/seed';
import type { VmStore } from '../backends/qemu/store';
import type { VmHandle } from '../backends/qemu/launcher';
import { vmNameProblem } from '../backends/qemu/names';
import type { DockerClient } from '../backends/docker/client';
import { LABEL } from './names';
import type { YamlDoc } from './pod';
import { parseKubeMemory } from './units';
import { untar } from './untar';
import { textOf } from '../common/text';

/** What a KubeVirt VirtualMachine / VirtualMachineInstance becomes locally. */
export interface KubevirtPlan {
  /** VM name in the VMs home: `kv-<metadata.name>`. */
  readonly name: string;
  readonly label: string;
  readonly cpus: number;
  readonly memoryMiB: number;
  readonly containerDisk: { readonly image: string; readonly path?: string };
  readonly kernelBoot?: {
    readonly image: string;
    readonly kernelPath: string;
    readonly initrdPath?: string;
    readonly kernelArgs?: string;
  };
  readonly cloudInit?: { readonly userData: string; readonly networkData?: string };
  /** Guest ports from the pod-network interface (`ports:`), forwarded from 127.0.0.1. */
  readonly ports: ReadonlyArray<{ guest: number; proto: 'tcp' | 'udp' }>;
  /** Fields that cannot be honoured locally, listed in the output. */
  readonly notes: readonly string[];
}

const rec = (v: unknown): Record<string, unknown> | undefined =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

export function isKubevirtVm(doc: YamlDoc): boolean {
  return (
    (doc.value.kind === 'VirtualMachine' || doc.value.kind === 'VirtualMachineInstance') &&
    textOf(doc.value.apiVersion).startsWith('kubevirt.io/')
  );
}

export function kubevirtPlan(doc: YamlDoc): KubevirtPlan {
  const kind = String(doc.value.kind);
  const meta = rec(doc.value.metadata) ?? {};
  const vmName = typeof meta.name === 'string' ? meta.name : 'vm';
  const where = `${doc.file} (${kind} ${vmName})`;
  const spec =
    kind === 'VirtualMachine' ? rec(rec(rec(doc.value.spec)?.template)?.spec) : rec(doc.value.spec);
  if (!spec) throw new UserError(`${where}: no ${kind === 'VirtualMachine' ? 'spec.template.spec' : 'spec'}`);
  const notes: string[] = [];
  const domain = rec(spec.domain) ?? {};
  const cpu = rec(domain.cpu) ?? {};
  const n = (v: unknown) => (typeof v === 'number' && v > 0 ? v : 1);
  const cpus = Math.min(8, n(cpu.cores) * n(cpu.sockets) * n(cpu.threads));
  const guest = parseKubeMemory(rec(domain.memory)?.guest);
  const req =
    parseKubeMemory(rec(rec(domain.resources)?.requests)?.memory) ??
    parseKubeMemory(rec(rec(domain.resources)?.limits)?.memory);
  const memBytes = guest ?? req ?? 512 * 1024 ** 2;
  const memoryMiB = Math.max(64, Math.min(16384, Math.ceil(memBytes / 1024 ** 2)));
  if (rec(domain.resources)?.limits && rec(rec(domain.resources)?.limits)?.cpu)
    notes.push('domain.resources.limits.cpu: CPU is sized from domain.cpu; limits are not enforced locally');

  // Volumes: the first containerDisk boots; cloudInitNoCloud becomes the NoCloud seed.
  let containerDisk: KubevirtPlan['containerDisk'] | undefined;
  let cloudInit: KubevirtPlan['cloudInit'];
  for (const v of arr(spec.volumes)) {
    const vol = rec(v) ?? {};
    const vname = textOf(vol.name) || '?';
    const cd = rec(vol.containerDisk);
    const ci = rec(vol.cloudInitNoCloud);
    if (cd) {
      if (typeof cd.image !== 'string' || !cd.image)
        throw new UserError(`${where}: volume ${vname}: containerDisk.image is required`);
      if (!containerDisk)
        containerDisk = { image: cd.image, ...(typeof cd.path === 'string' ? { path: cd.path } : {}) };
      else notes.push(`volume ${vname}: only the first containerDisk is attached locally`);
    } else if (ci) {
      const userData =
        typeof ci.userData === 'string'
          ? ci.userData
          : typeof ci.userDataBase64 === 'string'
            ? Buffer.from(ci.userDataBase64, 'base64').toString('utf8')
            : undefined;
      if (ci.userDataSecretRef || ci.networkDataSecretRef)
        notes.push(`volume ${vname}: secret references are not available locally`);
      if (userData === undefined)
        throw new UserError(
          `${where}: volume ${vname}: cloudInitNoCloud needs userData or userDataBase64 locally`,
        );
      const networkData =
        typeof ci.networkData === 'string'
          ? ci.networkData
          : typeof ci.networkDataBase64 === 'string'
            ? Buffer.from(ci.networkDataBase64, 'base64').toString('utf8')
            : undefined;
      cloudInit = { userData, ...(networkData ? { networkData } : {}) };
    } else {
      const type = Object.keys(vol).find((k) => k !== 'name') ?? 'unknown';
      notes.push(`volume ${vname} (${type}): not available locally, not attached`);
    }
  }
  if (!containerDisk)
    throw new UserError(
      `${where}: no containerDisk volume; only containerDisk VMs boot locally (dataVolume and PVC disks live in a cluster)`,
    );

  const kb = rec(rec(domain.firmware)?.kernelBoot);
  let kernelBoot: KubevirtPlan['kernelBoot'];
  if (kb) {
    const c = rec(kb.container);
    if (!c || typeof c.image !== 'string' || typeof c.kernelPath !== 'string')
      throw new UserError(`${where}: firmware.kernelBoot.container needs image and kernelPath`);
    kernelBoot = {
      image: c.image,
      kernelPath: c.kernelPath,
      ...(typeof c.initrdPath === 'string' ? { initrdPath: c.initrdPath } : {}),
      ...(typeof kb.kernelArgs === 'string' ? { kernelArgs: kb.kernelArgs } : {}),
    };
  }

  // Networks: the pod network is user-mode networking; other networks (multus, bridges) are not.
  const ports: Array<{ guest: number; proto: 'tcp' | 'udp' }> = [];
  const podNets = new Set(
    arr(spec.networks)
      .filter((x) => rec(rec(x)?.pod))
      .map((x) => String(rec(x)?.name)),
  );
  for (const x of arr(spec.networks))
    if (!rec(rec(x)?.pod))
      notes.push(
        `network ${String(rec(x)?.name)}: only the pod network exists locally (user-mode networking)`,
      );
  for (const i of arr(rec(domain.devices)?.interfaces)) {
    const iface = rec(i) ?? {};
    if (!podNets.has(String(iface.name))) continue;
    for (const p of arr(iface.ports)) {
      const pr = rec(p);
      if (typeof pr?.port === 'number')
        ports.push({ guest: pr.port, proto: pr.protocol === 'UDP' ? 'udp' : 'tcp' });
    }
  }
  for (const k of Object.keys(domain))
    if (!['cpu', 'memory', 'resources', 'devices', 'firmware', 'machine'].includes(k))
      notes.push(`domain.${k}: not honoured locally`);
  for (const k of Object.keys(spec))
    if (!['domain', 'volumes', 'networks', 'terminationGracePeriodSeconds'].includes(k))
      notes.push(`spec.${k}: not honoured locally`);
  if (kind === 'VirtualMachine') {
    const vs = rec(doc.value.spec) ?? {};
    for (const k of Object.keys(vs))
      if (!['template', 'running', 'runStrategy'].includes(k))
        notes.push(`VirtualMachine spec.${k}: not honoured locally`);
  }
  const name = `kv-${vmName}`
    .toLowerCase()
    .replace(/[^a-z0-9_.-]/g, '-')
    .slice(0, 63);
  const np = vmNameProblem(name);
  if (np) throw new UserError(`${where}: ${np}`);
  return {
    name,
    label: `${kind}/${vmName}`,
    cpus,
    memoryMiB,
    containerDisk,
    ...(kernelBoot ? { kernelBoot } : {}),
    ...(cloudInit ? { cloudInit } : {}),
    ports,
    notes,
  };
}

/**
 * Copies files out of an image (create a container, `docker export`, extract the wanted paths),
 * cached by image id under `cacheDir`. Returns the folder holding them at their image paths.
 */
export async function filesFromImage(
  engine: DockerClient,
  image: string,
  wanted: readonly string[],
  cacheDir: string,
  signal?: AbortSignal,
  runner: Runner = processRunner,
): Promise<string> {
  const img = await engine.imageConfig(image, { signal });
  if (!img) throw new UserError(`Image ${image} is not on the engine (build or pull it first)`);
  const rel = wanted.map((w) => w.replace(/^\/+/, ''));
  // Keyed by image and by what was taken out, so two extractions from one image never clash.
  const key = crypto.createHash('sha256').update(rel.join('\0')).digest('hex').slice(0, 8);
  const dir = path.join(cacheDir, 'image-files', `${img.id.replace(/^sha256:/, '').slice(0, 32)}-${key}`);
  if (rel.every((r) => fs.existsSync(path.join(dir, r)))) return dir;
  fs.mkdirSync(path.dirname(dir), { recursive: true });
  const tmp = fs.mkdtempSync(path.join(path.dirname(dir), '.extract-'));
  let cid: string | undefined;
  try {
    cid = await engine.createContainer(
      `pv-sbx-extract-${Date.now().toString(36)}`,
      {
        Image: image,
        Entrypoint: ['/none'],
        Cmd: [],
        Labels: { [LABEL.role]: 'extract', [LABEL.sandbox]: 'kubevirt' },
        HostConfig: { NetworkMode: 'none' },
      },
      { signal },
    );
    const stream = await engine.exportContainer(cid, { signal });
    await untar(runner, stream, ['-x', '-C', tmp, '-f', '-', ...rel], signal);
    fs.rmSync(dir, { recursive: true, force: true });
    fs.renameSync(tmp, dir);
    return dir;
  } catch (e) {
    if (isCancelled(e)) throw e;
    const reason = e instanceof ProcessError && e.reason ? e.reason : messageOf(e);
    throw new UserError(`Cannot copy ${wanted.join(', ')} out of ${image}: ${reason}`);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
    if (cid) await engine.removeContainer(cid, { force: true, volumes: true }).catch(() => undefined);
  }
}

/** The containerDisk's disk file: `path`, else the one file under /disk (KubeVirt's convention). */
async function containerDiskFile(
  engine: DockerClient,
  cd: KubevirtPlan['containerDisk'],
  cacheDir: string,
  signal?: AbortSignal,
): Promise<string> {
  const dir = await filesFromImage(engine, cd.image, [cd.path ?? '/disk/'], cacheDir, signal);
  if (cd.path) return path.join(dir, cd.path.replace(/^\/+/, ''));
  const files = fs.existsSync(path.join(dir, 'disk'))
    ? fs.readdirSync(path.join(dir, 'disk')).filter((f) => fs.statSync(path.join(dir, 'disk', f)).isFile())
    : [];
  const [file, ...more] = files;
  if (file === undefined || more.length)
    throw new UserError(
      `containerDisk ${cd.image}: expected one file under /disk, found ${files.length ? files.join(', ') : 'none'}`,
    );
  return path.join(dir, 'disk', file);
}

/** Host ports for the VM's forwards are picked by the caller (free ports on 127.0.0.1). */
export async function kubevirtCreateRequest(
  engine: DockerClient,
  plan: KubevirtPlan,
  cacheDir: string,
  hostPorts: readonly number[],
  signal?: AbortSignal,
): Promise<{ req: CreateRequest; seed?: { userData: string; networkConfig?: string } }> {
  const disk = await containerDiskFile(engine, plan.containerDisk, cacheDir, signal);
  const forwards = plan.ports.map((p, i) => {
    const host = hostPorts[i];
    if (host === undefined) throw new Error(`no host port picked for guest port ${p.guest}`);
    return { host, guest: p.guest, proto: p.proto };
  });
  const base = { name: plan.name, cpus: plan.cpus, memoryMiB: plan.memoryMiB, forwards };
  if (plan.kernelBoot) {
    const kb = plan.kernelBoot;
    const dir = await filesFromImage(
      engine,
      kb.image,
      [kb.kernelPath, ...(kb.initrdPath ? [kb.initrdPath] : [])],
      cacheDir,
      signal,
    );
    const cmdline = kb.kernelArgs?.includes('console=')
      ? kb.kernelArgs
      : `console=ttyS0 ${kb.kernelArgs ?? ''}`.trim();
    return {
      req: {
        ...base,
        machine: 'microvm',
        source: {
          kind: 'kernel',
          kernel: path.join(dir, kb.kernelPath.replace(/^\/+/, '')),
          ...(kb.initrdPath ? { initrd: path.join(dir, kb.initrdPath.replace(/^\/+/, '')) } : {}),
          cmdline,
          disk,
        },
      },
      // The kernel source has no seed: the caller adds it to the created VM.
      ...(plan.cloudInit
        ? {
            seed: {
              userData: plan.cloudInit.userData,
              ...(plan.cloudInit.networkData ? { networkConfig: plan.cloudInit.networkData } : {}),
            },
          }
        : {}),
    };
  }
  if (plan.cloudInit)
    return {
      req: {
        ...base,
        machine: 'q35',
        source: {
          kind: 'cloud',
          image: disk,
          userData: plan.cloudInit.userData,
          ...(plan.cloudInit.networkData ? { networkConfig: plan.cloudInit.networkData } : {}),
        },
      },
    };
  return { req: { ...base, machine: 'q35', source: { kind: 'disk', image: disk } } };
}

/**
 * Creates the VM in the VMs store (so it is an ordinary Podvisor VM in the VMs tree) and boots
 * it. A failure at any step deletes the VM folder again.
 */
export async function launchKubevirt(
  store: VmStore,
  engine: DockerClient,
  plan: KubevirtPlan,
  source: { file: string; documentIndex: number },
  cacheDir: string,
  signal?: AbortSignal,
): Promise<VmHandle> {
  if (store.info(plan.name).spec)
    throw new UserError(`A VM named ${plan.name} already exists; start or delete it in the VMs view`);
  const hostPorts: number[] = [];
  for (let i = 0; i < plan.ports.length; i++) hostPorts.push(await freePort());
  const { req, seed } = await kubevirtCreateRequest(engine, plan, cacheDir, hostPorts, signal);
  const spec = await store.create(req, signal);
  const dir = path.join(store.home, plan.name);
  try {
    if (seed) {
      writeSeedIso(path.join(dir, 'seed.iso'), {
        userData: seed.userData,
        metaData: defaultMetaData(plan.name, spec.createdAt ?? new Date().toISOString()),
        ...(seed.networkConfig ? { networkConfig: seed.networkConfig } : {}),
      });
      fs.writeFileSync(
        path.join(dir, 'spec.json'),
        JSON.stringify({ ...spec, seed: 'seed.iso' }, null, 2) + '\n',
      );
    }
    fs.writeFileSync(
      path.join(dir, 'kubevirt.json'),
      JSON.stringify(
        { source: plan.label, file: source.file, documentIndex: source.documentIndex, notes: plan.notes },
        null,
        2,
      ) + '\n',
    );
    return await store.start(plan.name, { ...(signal ? { signal } : {}) });
  } catch (e) {
    const h = store.handle(plan.name);
    if (h) await h.forceOff(2000).catch(() => undefined);
    fs.rmSync(dir, { recursive: true, force: true });
    // The store's model still holds the VM it created: it reads the folder again.
    await store.refresh();
    throw e;
  }
}
