// System packages the integration, host and UI layers need. As root on Debian, missing ones are
// installed with apt; elsewhere they are reported so that their suites are skipped loudly.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';

/** package → the file that proves it is installed */
export const SYSTEM_PACKAGES = {
  'docker.io': '/usr/sbin/dockerd',
  runsc: '/usr/bin/runsc',
  'busybox-static': '/bin/busybox',
  'qemu-system-x86': '/usr/bin/qemu-system-x86_64',
  'qemu-utils': '/usr/bin/qemu-img',
  e2fsprogs: '/usr/sbin/mkfs.ext4',
  cpio: '/usr/bin/cpio',
  iproute2: '/usr/sbin/ip',
  chromium: '/usr/bin/chromium',
  'libkrb5-dev': '/usr/include/krb5.h',
  'pkg-config': '/usr/bin/pkg-config',
  'libvirt-daemon-system': '/usr/sbin/libvirtd',
  'libvirt-clients': '/usr/bin/virsh',
  'fonts-dejavu-core': '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf',
  curl: '/usr/bin/curl',
  // the engine VM image is built from Debian packages with mmdebstrap
  mmdebstrap: '/usr/bin/mmdebstrap',
  // a second engine (Docker API on its own socket), a registry v2 with htpasswd, Compose 1.29
  podman: '/usr/bin/podman',
  'docker-registry': '/usr/bin/docker-registry',
  'apache2-utils': '/usr/bin/htpasswd',
  'docker-compose': '/usr/bin/docker-compose',
  // sandboxes on an ssh:// engine: a private sshd whose sessions run `docker system dial-stdio`
  'openssh-server': '/usr/sbin/sshd',
  'openssh-client': '/usr/bin/ssh-keygen',
  // sandboxes on a TLS tcp:// engine: the test's CA and certificates
  openssl: '/usr/bin/openssl',
};

export function isDebian() {
  try {
    return /^ID=debian$/m.test(readFileSync('/etc/os-release', 'utf8'));
  } catch {
    return false;
  }
}

export function isRoot() {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

export function missingPackages() {
  return Object.entries(SYSTEM_PACKAGES)
    .filter(([, file]) => !existsSync(file))
    .map(([pkg]) => pkg);
}

/** Installs what is missing when it can; returns the packages still missing afterwards. */
export function ensureSystemPackages(log = console.log) {
  let missing = missingPackages();
  if (missing.length === 0) return [];
  if (process.env.PODVISOR_NO_APT === '1') {
    log(`[system] PODVISOR_NO_APT=1: not installing ${missing.join(' ')}`);
    return missing;
  }
  if (!isRoot() || !isDebian()) {
    log(`[system] not root on Debian: cannot install ${missing.join(' ')} (their suites will be skipped)`);
    return missing;
  }
  const t0 = Date.now();
  log(`[system] apt-get install ${missing.join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const update = spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
  if (update.status !== 0) log('[system] apt-get update failed; trying the install anyway');
  const r = spawnSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], {
    stdio: ['ignore', 'ignore', 'inherit'],
    env,
  });
  if (r.status !== 0) {
    // One bad package must not sink the others: retry one by one.
    for (const p of missing)
      spawnSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', p], { stdio: 'ignore', env });
  }
  missing = missingPackages();
  log(
    `[system] apt done in ${((Date.now() - t0) / 1000).toFixed(1)} s${missing.length ? `; still missing: ${missing.join(' ')}` : ''}`,
  );
  return missing;
}

export function which(cmd) {
  try {
    return execFileSync('sh', ['-c', 'command -v "$1"', 'sh', cmd], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}
