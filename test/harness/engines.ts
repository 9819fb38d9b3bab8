/**
 * Starts the real engines the integration, host and UI layers share, and describes them to the
 * test processes through environment variables (read by test/harness/env.ts). Everything it
 * starts it stops by pid. A part that can't be had is reported with the reason, so its suites
 * are skipped loudly rather than failed or silently passed.
 */
import * as fs from 'fs';
import * as path from 'path';
import { probeKvm } from '../../src/backends/qemu/accel';
import { startPrivateDockerd, stopPrivateDockerd, type PrivateDockerd } from './dockerd';
import { startPrivateLibvirtd, stopPrivateLibvirtd } from './libvirtd';
import { PODMAN_BIN, startPrivatePodman, stopPrivatePodman } from './podman';
import { REGISTRY_BIN, startPrivateRegistry, stopPrivateRegistry } from './registry';
import { composeClis } from './compose';
import { ensureTestEngineImage } from './engineImage';
import { releaseSlot, runSlot } from './slot';
import { startSharedCluster } from './cluster/shared';

export interface Engines {
  readonly env: Record<string, string>;
  /** One line per part: what is available and what is missing (and why). */
  readonly report: string[];
  stop(): Promise<void>;
}

function exists(p: string): boolean {
  return fs.existsSync(p);
}

/** 'kvm' only when KVM really works (the product's own probe: not kvm_pvm, QEMU opens it), else 'tcg'. */
export async function probeAccel(): Promise<{ accel: 'kvm' | 'tcg'; why: string }> {
  const p = await probeKvm();
  return { accel: p.kvmUsable ? 'kvm' : 'tcg', why: p.why };
}

export async function startEngines(cacheDir: string, log: (s: string) => void): Promise<Engines> {
  // One slot per run: its own bridge and subnet, so concurrent runs on one machine don't collide.
  const slot = runSlot();
  const env: Record<string, string> = { PODVISOR_TEST_CACHE: cacheDir, PODVISOR_TEST_SLOT: String(slot) };
  const report: string[] = [`slot: ${slot} (bridge pvtest${slot}, 10.231.${slot}.0/24)`];
  const stops: Array<() => Promise<void>> = [async () => releaseSlot(slot)];
  fs.mkdirSync(cacheDir, { recursive: true });

  // Docker Engine + gVisor
  let dockerd: PrivateDockerd | undefined;
  if (!exists('/usr/sbin/dockerd') && !exists('/usr/bin/dockerd')) {
    env.PODVISOR_TEST_WHY_NO_DOCKER = 'dockerd is not installed (Debian package docker.io)';
  } else if (process.env.PODVISOR_TEST_DOCKER_HOST) {
    // A developer's already running private engine (scripts/dev-engine.mjs): reuse it, never stop it.
    env.PODVISOR_TEST_DOCKER_HOST = process.env.PODVISOR_TEST_DOCKER_HOST;
    env.PODVISOR_TEST_RUNTIMES = process.env.PODVISOR_TEST_RUNTIMES ?? 'runc,runsc';
    log(`[engines] reusing the engine at ${env.PODVISOR_TEST_DOCKER_HOST}`);
  } else {
    try {
      const t0 = Date.now();
      dockerd = await startPrivateDockerd(path.join('/tmp', `podvisor-engine-${process.pid}`), {
        bridge: `pvtest${slot}`,
        cidr: `10.231.${slot}.1/24`,
      });
      env.PODVISOR_TEST_DOCKER_HOST = dockerd.host;
      env.PODVISOR_TEST_RUNTIMES = dockerd.runtimes.join(',');
      env.PODVISOR_TEST_DOCKERD_PID = String(dockerd.pid);
      env.PODVISOR_TEST_DOCKERD_DIR = dockerd.dir;
      if (!dockerd.runtimes.includes('runsc'))
        env.PODVISOR_TEST_WHY_NO_GVISOR = 'runsc is not installed (Debian package runsc)';
      const d = dockerd;
      stops.push(async () => {
        await stopPrivateDockerd(d);
        fs.rmSync(d.dir, { recursive: true, force: true });
      });
      log(
        `[engines] private dockerd pid ${dockerd.pid} on ${dockerd.host} (${dockerd.runtimes.join(', ')}) in ${Date.now() - t0} ms`,
      );
    } catch (e) {
      env.PODVISOR_TEST_WHY_NO_DOCKER = `private dockerd failed to start: ${(e as Error).message.split('\n')[0]}`;
    }
  }
  report.push(
    env.PODVISOR_TEST_DOCKER_HOST
      ? `docker: ${env.PODVISOR_TEST_RUNTIMES}`
      : `docker: MISSING — ${env.PODVISOR_TEST_WHY_NO_DOCKER}`,
  );
  if (env.PODVISOR_TEST_WHY_NO_GVISOR) report.push(`gvisor: MISSING — ${env.PODVISOR_TEST_WHY_NO_GVISOR}`);

  let registryAddress: string | undefined;
  // Registry v2 (CNCF distribution) on 127.0.0.1 with TLS and htpasswd
  if (!exists(REGISTRY_BIN)) {
    env.PODVISOR_TEST_WHY_NO_REGISTRY = 'docker-registry is not installed (Debian package docker-registry)';
  } else {
    try {
      const r = await startPrivateRegistry(path.join('/tmp', `podvisor-registry-${process.pid}`));
      env.PODVISOR_TEST_REGISTRY = JSON.stringify({
        address: r.address,
        url: r.url,
        user: r.user,
        password: r.password,
        ca: r.certs.ca,
        pid: r.pid,
        dir: r.dir,
      });
      stops.push(async () => {
        stopPrivateRegistry(r);
        fs.rmSync(r.dir, { recursive: true, force: true });
      });
      registryAddress = r.address;
      log(`[engines] private registry pid ${r.pid} on ${r.url}`);
    } catch (e) {
      env.PODVISOR_TEST_WHY_NO_REGISTRY = `private registry failed to start: ${(e as Error).message.split('\n')[0]}`;
    }
  }
  report.push(
    env.PODVISOR_TEST_REGISTRY
      ? `registry: ${(JSON.parse(env.PODVISOR_TEST_REGISTRY) as { url: string }).url}`
      : `registry: MISSING — ${env.PODVISOR_TEST_WHY_NO_REGISTRY}`,
  );

  // Podman (a second Docker-API engine of another make: its own socket, storage and bridge)
  if (!exists(PODMAN_BIN)) {
    env.PODVISOR_TEST_WHY_NO_PODMAN = 'podman is not installed (Debian package podman)';
  } else {
    try {
      const t0 = Date.now();
      const p = await startPrivatePodman(path.join('/tmp', `podvisor-podman-${process.pid}`), {
        bridge: `pvpod${slot}`,
        subnet: `10.234.${slot}.0/24`,
        insecureRegistries: registryAddress ? [registryAddress] : [],
      });
      env.PODVISOR_TEST_PODMAN_HOST = p.host;
      stops.push(async () => {
        stopPrivatePodman(p);
        fs.rmSync(p.dir, { recursive: true, force: true });
      });
      log(`[engines] private podman pid ${p.pid} on ${p.host} in ${Date.now() - t0} ms`);
    } catch (e) {
      env.PODVISOR_TEST_WHY_NO_PODMAN = `private podman failed to start: ${(e as Error).message.split('\n')[0]}`;
    }
  }
  report.push(
    env.PODVISOR_TEST_PODMAN_HOST
      ? `podman: ${env.PODVISOR_TEST_PODMAN_HOST}`
      : `podman: MISSING — ${env.PODVISOR_TEST_WHY_NO_PODMAN}`,
  );

  // Compose CLIs: `docker compose` v2 (the tools cache) and Debian's docker-compose 1.29
  const compose = composeClis(path.join(cacheDir, 'docker-config'), process.env.PODVISOR_COMPOSE_V2);
  Object.assign(env, compose.env);
  report.push(...compose.report);

  // QEMU
  if (!exists('/usr/bin/qemu-system-x86_64')) {
    env.PODVISOR_TEST_WHY_NO_QEMU = 'qemu-system-x86_64 is not installed (Debian package qemu-system-x86)';
    report.push(`qemu: MISSING — ${env.PODVISOR_TEST_WHY_NO_QEMU}`);
  } else {
    const { accel, why } = await probeAccel();
    env.PODVISOR_TEST_ACCEL = accel;
    report.push(`qemu: ${accel} (${why})`);
    // The engine VM image: built once per machine (minutes, cold) before any suite's clock runs.
    if (process.env.PODVISOR_TEST_NO_ENGINE_IMAGE === '1')
      env.PODVISOR_TEST_WHY_NO_ENGINE_IMAGE = 'PODVISOR_TEST_NO_ENGINE_IMAGE=1';
    else {
      try {
        const t0 = Date.now();
        const img = await ensureTestEngineImage(cacheDir);
        env.PODVISOR_TEST_ENGINE_IMAGE = JSON.stringify(img);
        report.push(
          `engine VM image: ${img.dir} (${img.buildMs !== undefined ? `built in ${(img.buildMs / 1000).toFixed(0)} s` : `cached, ${Date.now() - t0} ms`})`,
        );
      } catch (e) {
        env.PODVISOR_TEST_WHY_NO_ENGINE_IMAGE = `the engine VM image could not be built: ${(e as Error).message.split('\n')[0]}`;
        report.push(`engine VM image: MISSING — ${env.PODVISOR_TEST_WHY_NO_ENGINE_IMAGE}`);
      }
    }
  }

  // libvirt: integration suites start their own daemon; the host/UI layers get this one (own
  // sockets under /tmp, session mode, stopped by pid). LIBVIRT_AUTOSTART=0 keeps a plain
  // qemu:///session (a default URI of the extension) from spawning a daemon nobody stops.
  env.LIBVIRT_AUTOSTART = '0';
  if (exists('/usr/sbin/libvirtd') && exists('/usr/bin/virsh')) {
    env.PODVISOR_TEST_LIBVIRT = '1';
    try {
      const l = await startPrivateLibvirtd(path.join('/tmp', `podvisor-libvirt-${process.pid}`));
      env.PODVISOR_TEST_LIBVIRT_URI = l.uri;
      env.PODVISOR_TEST_LIBVIRT_DAEMON = JSON.stringify(l);
      stops.push(() => stopPrivateLibvirtd(l));
      log(`[engines] private libvirtd pid ${l.pid} on ${l.uri} in ${l.startMs} ms`);
    } catch (e) {
      log(`[engines] private libvirtd failed: ${(e as Error).message.split('\n')[0]}`);
    }
  } else
    env.PODVISOR_TEST_WHY_NO_LIBVIRT =
      'libvirtd/virsh not installed (Debian packages libvirt-daemon-system, libvirt-clients)';
  report.push(
    env.PODVISOR_TEST_LIBVIRT
      ? `libvirt: available${env.PODVISOR_TEST_LIBVIRT_URI ? ` (${env.PODVISOR_TEST_LIBVIRT_URI})` : ''}`
      : `libvirt: MISSING — ${env.PODVISOR_TEST_WHY_NO_LIBVIRT}`,
  );

  // Kubernetes: etcd + kube-apiserver (+ controller-manager) with KubeVirt's CRDs, shared by the
  // layers; suites that kill the API server start their own (test/harness/cluster).
  const cluster = await startSharedCluster(slot, log);
  Object.assign(env, cluster.env);
  if (cluster.stop) stops.push(cluster.stop);
  report.push(cluster.report);

  if (!exists(process.env.CHROMIUM ?? '/usr/bin/chromium'))
    env.PODVISOR_TEST_WHY_NO_CHROMIUM = 'Chromium is not installed (Debian package chromium)';

  return {
    env,
    report,
    async stop() {
      for (const s of stops.reverse()) {
        try {
          await s();
        } catch (e) {
          log(`[engines] stop failed: ${(e as Error).message}`);
        }
      }
    },
  };
}
