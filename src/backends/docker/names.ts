/** Docker's rules for container names (daemon/names: `[a-zA-Z0-9][a-zA-Z0-9_.-]+`). */
const CONTAINER_NAME_RE = /^\/?[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;

/** Undefined when `name` is a valid container name, else why not (for an InputBox). */
export function validateContainerName(name: string): string | undefined {
  if (!name) return 'A container name must not be empty.';
  if (name.length > 253) return 'A container name must be at most 253 characters.';
  if (!CONTAINER_NAME_RE.test(name)) {
    return 'A container name must start with a letter or digit and contain only letters, digits, "_", "." and "-".';
  }
  return undefined;
}

/**
 * Container ids and names go into URL paths; dockerode does not escape them. Ids are hex and
 * names follow the rule above, but a label from an engine could be anything, so anything that
 * is neither is refused rather than sent.
 */
export function assertContainerRef(ref: string): string {
  if (/^[0-9a-f]{12,64}$/.test(ref) || CONTAINER_NAME_RE.test(ref)) return ref;
  throw new Error(`Not a container id or name: ${JSON.stringify(ref)}`);
}
