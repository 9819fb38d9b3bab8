/**
 * VM names become folder names and QEMU `-name` values, so they are kept to a safe alphabet:
 * a letter or digit first, then letters, digits, `.`, `_`, `-`; at most 63 characters; not
 * `.`/`..`-like. Nothing the user types ever reaches a shell or a path outside the VM home.
 */
const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

/** Returns why `name` is not a valid VM name, or undefined when it is. */
export function vmNameProblem(name: string): string | undefined {
  if (name.length === 0) return 'A VM name cannot be empty.';
  if (name.length > 63) return `A VM name has at most 63 characters (this one has ${name.length}).`;
  if (!NAME_RE.test(name))
    return `"${name}" is not a valid VM name: use letters, digits, ".", "_" and "-", starting with a letter or digit.`;
  if (name.endsWith('.')) return 'A VM name cannot end with ".".';
  return undefined;
}

/** A virtiofs/9p tag: short, no separators QEMU would parse (`,`, `=`). */
export function shareTagProblem(tag: string): string | undefined {
  return /^[A-Za-z0-9][A-Za-z0-9_-]{0,35}$/.test(tag)
    ? undefined
    : `"${tag}" is not a valid share tag: letters, digits, "_" and "-", at most 36.`;
}
