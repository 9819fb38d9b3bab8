/**
 * What goes into an engine VM's guest image, in one place: the Debian packages (lean: Debian's
 * Docker Engine, sshd and the few tools the init uses, no apt, no systemd, no man pages), the
 * kernel modules the guest loads, and our own files. The image is cached under the hash of all
 * of it, so a change here builds a new image and never reuses a stale one.
 */
import * as crypto from 'crypto';
import AGENT from './guest/pv-agent.pl';
import INITRAMFS_INIT from './guest/initramfs-init.sh';
import INIT from './guest/pv-init.sh';
import POWER_BUTTON from './guest/power-button.sh';
import SEED_APPLY from './guest/seed-apply.pl';

/** Bump when the build steps change in a way the inputs below do not show. */
const RECIPE_REVISION = 1;

/** Debian packages on top of the Essential set (mmdebstrap --variant=essential). */
export const PACKAGES = ['docker.io', 'openssh-server', 'iproute2', 'kmod', 'mount', 'ca-certificates'];

/**
 * Paths dpkg never unpacks: documentation, and what an engine reached through its API does not
 * run (the docker CLI — the host's talks to it —, containerd's debugging tools, libnetwork's test
 * binaries, the v1 shims that Docker 20.10 no longer uses). About 110 MB less to build and boot.
 */
export const PATH_EXCLUDES = [
  '/usr/share/man/*',
  '/usr/share/doc/*',
  '/usr/share/locale/*',
  '/usr/share/info/*',
  '/usr/bin/docker',
  '/usr/bin/ctr',
  '/usr/bin/dnet',
  '/usr/sbin/ovrouter',
  '/usr/bin/containerd-shim',
  '/usr/bin/containerd-shim-runc-v1',
  '/usr/bin/containerd-stress',
];

/** Kernel module folders/files (under `kernel/`) copied into the guest for modprobe. */
export const MODULE_PATHS = [
  'net/netfilter',
  'net/ipv4',
  'net/ipv6',
  'net/bridge',
  'net/802',
  'net/llc',
  'net/sched',
  'net/core',
  'drivers/virtio',
  'drivers/block/virtio_blk.ko',
  'drivers/net/veth.ko',
  'drivers/net/virtio_net.ko',
  'drivers/net/net_failover.ko',
  'drivers/net/dummy.ko',
  'drivers/char/hw_random',
  'drivers/char/virtio_console.ko',
  'drivers/acpi/button.ko',
  'drivers/input/evdev.ko',
  'fs/overlayfs',
  'fs/fuse',
  'fs/isofs',
  'drivers/cdrom',
  'lib',
  'crypto',
  'arch',
];

/** Loaded by the init in one modprobe (dependencies follow from depmod). */
export const GUEST_MODULES = [
  'virtio_net',
  'virtio_console',
  'virtio_rng',
  'virtiofs',
  'overlay',
  'bridge',
  'veth',
  'nf_nat',
  'nf_tables',
  'nft_compat',
  'nft_chain_nat',
  'xt_MASQUERADE',
  'isofs',
  'button',
  'evdev',
];

/** Loaded by the initramfs with insmod, in this order (enough to mount the disk). */
export const INITRAMFS_MODULES = [
  'drivers/virtio/virtio_ring.ko',
  'drivers/virtio/virtio.ko',
  'drivers/virtio/virtio_pci_legacy_dev.ko',
  'drivers/virtio/virtio_pci_modern_dev.ko',
  'drivers/virtio/virtio_pci.ko',
  'drivers/block/virtio_blk.ko',
];

/** sshd: keys only, the host key from the seed (see seed-apply). */
export const SSHD_CONFIG = `# Written by Podvisor: logins with the VM's key only.
HostKey /etc/ssh/ssh_host_ed25519_key
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
UseDNS no
`;

export const GUEST_FILES = {
  init: INIT,
  initramfsInit: INITRAMFS_INIT,
  agent: AGENT,
  seedApply: SEED_APPLY,
  powerButton: POWER_BUTTON,
};

/** The engine image's content hash: every input above, the Debian suite and the kernel. */
export function recipeHash(suite: string, sources: readonly string[], kernelVersion: string): string {
  return crypto
    .createHash('sha256')
    .update(
      JSON.stringify({
        RECIPE_REVISION,
        suite,
        sources,
        kernelVersion,
        PACKAGES,
        PATH_EXCLUDES,
        MODULE_PATHS,
        GUEST_MODULES,
        INITRAMFS_MODULES,
        SSHD_CONFIG,
        GUEST_FILES,
      }),
    )
    .digest('hex')
    .slice(0, 16);
}
