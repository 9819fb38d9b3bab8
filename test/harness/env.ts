/**
 * What the test run has available, as set up by scripts/test-all.mjs (environment variables).
 * Suites that need a part call `need*()` in a `before` hook: when the part is missing the whole
 * suite is skipped, counted as skipped, and the reason is printed loudly.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { EngineImage } from '../../src/backends/qemu/engine/image';
import { skipLoudly } from './skip';

/** The repository root: found by walking up, since this file is bundled into tests at any depth. */
export const repoRoot = ((): string => {
  for (let dir = __dirname; dir !== path.dirname(dir); dir = path.dirname(dir)) {
    try {
      const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: unknown };
      if (pkg.name === 'podvisor') return dir;
    } catch {
      /* keep walking */
    }
  }
  return process.cwd();
})();

/** Where test fixtures (guest kernel, images, rootfs tarballs) are cached between runs. */
export const testCache = process.env.PODVISOR_TEST_CACHE ?? path.join(repoRoot, '.cache', 'test');

/** Why the harness did not provide a part (PODVISOR_TEST_WHY_NO_<PART>). */
export function whyNo(what: string): string {
  return process.env[`PODVISOR_TEST_WHY_NO_${what.toUpperCase()}`] ?? 'not provided by the test harness';
}

function skipMissing(ctx: Mocha.Context, what: string): never {
  skipBecause(ctx, what, whyNo(what));
}

/** Skips the suite, loudly and counted, for a part a suite finds missing itself (sshd, openssl). */
export function skipBecause(ctx: Mocha.Context, what: string, reason: string): never {
  skipLoudly(ctx, `needs ${what}: ${reason}`);
}

/** The private test engine's DOCKER_HOST (unix://…) with runc and, where present, runsc. */
export function needDocker(ctx: Mocha.Context): string {
  const host = process.env.PODVISOR_TEST_DOCKER_HOST;
  if (!host) skipMissing(ctx, 'docker');
  return host;
}

export function dockerRuntimes(): string[] {
  return (process.env.PODVISOR_TEST_RUNTIMES ?? 'runc').split(',').filter(Boolean);
}

export function needGvisor(ctx: Mocha.Context): void {
  needDocker(ctx);
  if (!dockerRuntimes().includes('runsc')) skipMissing(ctx, 'gvisor');
}

/** QEMU's accelerator for tests: 'kvm' only when KVM really works, else 'tcg'. */
export function needQemu(ctx: Mocha.Context): 'kvm' | 'tcg' {
  const accel = process.env.PODVISOR_TEST_ACCEL;
  if (accel !== 'kvm' && accel !== 'tcg') skipMissing(ctx, 'qemu');
  return accel;
}

/** The engine VM image (built by the engines phase of the test run, see engineImage.ts). */
export function needEngineImage(ctx: Mocha.Context): EngineImage {
  needQemu(ctx);
  const img = process.env.PODVISOR_TEST_ENGINE_IMAGE;
  if (!img) skipMissing(ctx, 'engine_image');
  return JSON.parse(img) as EngineImage;
}

export function needLibvirt(ctx: Mocha.Context): void {
  if (process.env.PODVISOR_TEST_LIBVIRT !== '1') skipMissing(ctx, 'libvirt');
}

/** Path to ../shared/corpus when present (tests fall back to test/fixtures). */
export function corpusDir(): string | undefined {
  const p = process.env.PODVISOR_CORPUS ?? path.resolve(repoRoot, '..', 'shared', 'corpus');
  return fs.existsSync(path.join(p, 'INDEX.tsv')) ? p : undefined;
}

/** The private Podman engine's DOCKER_HOST (Podman's Docker-compatible API on its own socket). */
export function needPodman(ctx: Mocha.Context): string {
  const host = process.env.PODVISOR_TEST_PODMAN_HOST;
  if (!host) skipMissing(ctx, 'podman');
  return host;
}

export interface TestRegistry {
  /** `127.0.0.1:PORT` */
  readonly address: string;
  readonly url: string;
  readonly user: string;
  readonly password: string;
  /** The test CA that signed the registry's certificate. */
  readonly ca: string;
  readonly pid: number;
  readonly dir: string;
}

/** The private registry (TLS, htpasswd) the harness started. */
export function needRegistry(ctx: Mocha.Context): TestRegistry {
  const raw = process.env.PODVISOR_TEST_REGISTRY;
  if (!raw) skipMissing(ctx, 'registry');
  return JSON.parse(raw) as TestRegistry;
}

/** A Compose CLI: 'v2' (`docker compose`, plugin in the test DOCKER_CONFIG) or 'v1' (docker-compose). */
export function needCompose(ctx: Mocha.Context, which: 'v1' | 'v2'): { dockerConfig: string } {
  if (which === 'v2' ? !process.env.PODVISOR_TEST_COMPOSE_V2 : !process.env.PODVISOR_TEST_COMPOSE_V1)
    skipMissing(ctx, `compose_${which}`);
  return { dockerConfig: process.env.PODVISOR_TEST_DOCKER_CONFIG ?? '' };
}

/** The shared test cluster (engines.ts): kubeconfigs of the admin and the limited user, kubectl. */
export function needCluster(ctx: Mocha.Context): import('./cluster/shared').SharedClusterEnv {
  const raw = process.env.PODVISOR_TEST_CLUSTER;
  if (!raw) skipMissing(ctx, 'cluster');
  return JSON.parse(raw);
}

/** The shared cluster's node (containerd + kubelet: pods really run), or a loud skip saying why not. */
export function needNode(ctx: Mocha.Context): {
  cluster: import('./cluster/shared').SharedClusterEnv;
  node: import('./cluster/node').NodeInfo;
} {
  const cluster = needCluster(ctx);
  if (!cluster.node) skipMissing(ctx, 'node');
  return { cluster, node: cluster.node };
}

/** The Kubernetes tools (built by scripts/tools.mjs), for suites that start their own control plane. */
export function needClusterTools(ctx: Mocha.Context): void {
  if (process.env.PODVISOR_TEST_WHY_NO_CLUSTER && !process.env.PODVISOR_TEST_CLUSTER)
    skipMissing(ctx, 'cluster');
  const { clusterTools } = require('./cluster/tools') as typeof import('./cluster/tools');
  const t = clusterTools();
  if ('missing' in t) {
    process.env.PODVISOR_TEST_WHY_NO_CLUSTER = `Kubernetes tools ${t.missing}`;
    skipMissing(ctx, 'cluster');
  }
}

/** ../shared/schemas beside the clone (a worktree has it one level further up), when present. */
export function sharedSchemasDir(): string | undefined {
  return [
    path.resolve(repoRoot, '..', 'shared', 'schemas'),
    path.resolve(repoRoot, '..', '..', 'shared', 'schemas'),
  ].find((d) => fs.existsSync(d));
}
