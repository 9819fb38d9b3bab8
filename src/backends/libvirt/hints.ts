import type { VirshFailure } from './virsh';

/** What to do when a connection can't be reached, for the group node's tooltip and message. */
export function unreachableHint(uri: string, failure: VirshFailure | undefined): string {
  if (failure === 'not-installed')
    return 'Install libvirt (Debian/Ubuntu: sudo apt install libvirt-clients libvirt-daemon-system) or set podvisor.libvirt.virshPath.';
  const session = /^[a-z]+:\/\/\/session/.test(uri);
  if (failure === 'unreachable') {
    if (session)
      return 'The session daemon is not running: start it with "libvirtd --daemon" (or virtqemud) as your user, or remove this URI from podvisor.libvirt.uris.';
    return 'The libvirt daemon is not running: start it with "sudo systemctl start libvirtd" (or virtqemud.socket), or remove this URI from podvisor.libvirt.uris.';
  }
  if (failure === 'denied') {
    return session
      ? 'The session daemon belongs to another user: connect as that user, or use qemu:///system.'
      : 'Not allowed to manage this libvirt: add your user to the "libvirt" group (sudo usermod -aG libvirt $USER), then log in again.';
  }
  return "See the Podvisor log for virsh's full output.";
}
