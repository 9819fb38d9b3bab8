import { UserError } from '../../common/errors';

/**
 * Names that reach virsh. Arguments never pass through a shell, so the danger is a name that
 * virsh reads as an option (a leading '-') or that can't be a libvirt name at all ('/', control
 * characters); libvirt itself accepts spaces and most punctuation, so existing domains with
 * such names stay usable.
 */
const BAD_CHARS = /[\u0000-\u001f\u007f/]/;

export function checkDomainName(name: unknown): string {
  if (typeof name !== 'string' || name.length === 0)
    throw new UserError('A libvirt domain name is required.');
  if (name.length > 200)
    throw new UserError(`Invalid libvirt domain name (longer than 200 characters): ${name.slice(0, 40)}…`);
  if (name.startsWith('-'))
    throw new UserError(`Invalid libvirt domain name "${name}": it must not start with "-".`);
  if (BAD_CHARS.test(name))
    throw new UserError(`Invalid libvirt domain name ${JSON.stringify(name)}: no "/" or control characters.`);
  return name;
}

/** Snapshot names we create are stricter: they end up as file and QEMU object names. */
const SNAPSHOT_NAME = /^[A-Za-z0-9][A-Za-z0-9._+:@-]{0,99}$/;

export function checkSnapshotName(name: unknown): string {
  if (typeof name !== 'string' || !SNAPSHOT_NAME.test(name)) {
    throw new UserError(
      `Invalid snapshot name ${JSON.stringify(name)}: use letters, digits and . _ + : @ - (starting with a letter or digit, at most 100).`,
    );
  }
  return name;
}

/** A connection URI as virsh -c takes it: `driver[+transport]://[host]/path[?params]`. */
const URI = /^[a-z][a-z0-9]*(\+[a-z0-9]+)?:\/\/[^\s]*$/;

export function checkUri(uri: unknown): string {
  if (typeof uri !== 'string' || !URI.test(uri) || BAD_CHARS.test(uri.replace(/\//g, ''))) {
    throw new UserError(
      `Invalid libvirt connection URI ${JSON.stringify(uri)} (expected e.g. qemu:///system).`,
    );
  }
  return uri;
}
