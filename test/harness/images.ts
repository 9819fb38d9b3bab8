/**
 * Test images built from local files (no registry is reachable): a busybox-static rootfs
 * imported with `docker import`. Cached by the engine; building again is a no-op.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

export const BUSYBOX_IMAGE = 'podvisor-test/busybox:1';

/** The Debian `docker` client (the one with BuildKit); falls back to whatever is on PATH. */
export const dockerCli = fs.existsSync('/usr/bin/docker') ? '/usr/bin/docker' : 'docker';

export function docker(host: string, args: string[], input?: Buffer | string): string {
  return execFileSync(dockerCli, args, {
    env: {
      ...process.env,
      DOCKER_HOST: host,
      DOCKER_BUILDKIT: '1',
      DOCKER_CONFIG: path.join(os.tmpdir(), 'podvisor-test-docker-config'),
    },
    input,
    stdio: ['pipe', 'pipe', 'pipe'],
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  }).trim();
}

/**
 * `docker` without blocking this process: for engines whose socket is served from this very
 * process (an engine VM's channel), where a synchronous child would wait for a loop it stops.
 */
export async function dockerAsync(host: string, args: string[], input?: Buffer | string): Promise<string> {
  const { run } = await import('../../src/common/process');
  const r = await run({
    command: dockerCli,
    args,
    env: {
      DOCKER_HOST: host,
      DOCKER_BUILDKIT: '1',
      DOCKER_CONFIG: path.join(os.tmpdir(), 'podvisor-test-docker-config'),
    },
    ...(input !== undefined ? { input } : {}),
    timeoutMs: 300_000,
    maxBuffer: 256 * 1024 * 1024,
  });
  return r.stdout.trim();
}

/** Builds a busybox-static rootfs folder (bin/ with applet links, etc/passwd with root and a `dev` user). */
export function busyboxRootfs(dest: string): string {
  fs.rmSync(dest, { recursive: true, force: true });
  for (const d of ['bin', 'etc', 'tmp', 'root', 'home/dev', 'workspace'])
    fs.mkdirSync(path.join(dest, d), { recursive: true });
  fs.copyFileSync('/bin/busybox', path.join(dest, 'bin', 'busybox'));
  fs.chmodSync(path.join(dest, 'bin', 'busybox'), 0o755);
  const applets = execFileSync('/bin/busybox', ['--list'], { encoding: 'utf8' }).split('\n').filter(Boolean);
  for (const a of applets) if (a !== 'busybox') fs.symlinkSync('busybox', path.join(dest, 'bin', a));
  fs.writeFileSync(
    path.join(dest, 'etc', 'passwd'),
    'root:x:0:0:root:/root:/bin/sh\ndev:x:1000:1000:dev:/home/dev:/bin/sh\n',
  );
  fs.writeFileSync(path.join(dest, 'etc', 'group'), 'root:x:0:\ndev:x:1000:\n');
  fs.chmodSync(path.join(dest, 'tmp'), 0o1777);
  return dest;
}

/** Ensures the busybox test image exists on the engine at `host`; returns its name. */
export function ensureBusyboxImage(host: string, name = BUSYBOX_IMAGE): string {
  try {
    docker(host, ['image', 'inspect', name]);
    return name;
  } catch {
    /* build it */
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pv-rootfs-'));
  try {
    busyboxRootfs(dir);
    const tar = execFileSync('tar', ['-C', dir, '-c', '.'], { maxBuffer: 64 * 1024 * 1024 });
    docker(host, ['import', '-c', 'CMD ["/bin/sh"]', '-c', 'ENV PATH=/bin', '-', name], tar);
    return name;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
