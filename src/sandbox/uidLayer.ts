/**
 * updateRemoteUserUID: on Linux, when devcontainer.json names a (non-root) remoteUser or
 * containerUser whose uid/gid differ from the host user's, an image layer gives that user the
 * host's uid and gid (passwd, group, its home), so files it writes in the bind-mounted workspace
 * belong to the host user. Skipped when the host user is root, or another account holds the uid.
 * Cached by base image id, user and ids, like the features layer.
 */
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { DockerClient } from '../backends/docker/client';
import { FEATURE_CACHE_LABEL } from './features/build';
import type { LaunchContext } from './phases';

const SCRIPT = `set -e
user="$1"; uid="$2"; gid="$3"
line=$(grep "^$user:" /etc/passwd || true)
[ -n "$line" ] || { echo "podvisor: no user $user in /etc/passwd; uid not updated"; exit 0; }
old_uid=$(echo "$line" | cut -d: -f3); old_gid=$(echo "$line" | cut -d: -f4); home=$(echo "$line" | cut -d: -f6)
[ "$old_uid" = "$uid" ] && [ "$old_gid" = "$gid" ] && exit 0
if cut -d: -f1,3 /etc/passwd | grep -v "^$user:" | grep -q ":$uid$"; then echo "podvisor: uid $uid is taken; not updated"; exit 0; fi
awk -F: -v OFS=: -v u="$user" -v id="$uid" -v g="$gid" '$1==u{$3=id;$4=g}1' /etc/passwd > /tmp/pv-passwd && cat /tmp/pv-passwd > /etc/passwd
if ! cut -d: -f3 /etc/group | grep -qx "$gid"; then
  awk -F: -v OFS=: -v og="$old_gid" -v g="$gid" '$3==og{$3=g}1' /etc/group > /tmp/pv-group && cat /tmp/pv-group > /etc/group
fi
rm -f /tmp/pv-passwd /tmp/pv-group
[ -d "$home" ] && chown -R "$uid:$gid" "$home" || true
`;

export interface UidInput {
  readonly base: string;
  readonly baseId: string;
  readonly imageUser: string;
  readonly user: string;
  readonly uid: number;
  readonly gid: number;
}

/** The user whose uid is updated, or undefined when the spec's rules say not to. */
export function uidTarget(
  o: { remoteUser?: string; containerUser?: string; updateRemoteUserUID?: boolean },
  local: { uid: number; gid: number },
  platform = process.platform,
): string | undefined {
  if (o.updateRemoteUserUID === false || platform !== 'linux' || local.uid === 0) return undefined;
  const user = o.remoteUser ?? o.containerUser;
  if (!user || user === 'root' || user === '0' || /^\d+$/.test(user)) return undefined;
  return user;
}

/** The base image with the user's uid/gid changed (cached), built with the image's own awk/grep/cut. */
export async function buildUidImage(
  client: DockerClient,
  i: UidInput,
  ctx: LaunchContext,
): Promise<{ tag: string; cached: boolean }> {
  const key = crypto
    .createHash('sha256')
    .update(JSON.stringify({ v: 1, b: i.baseId, u: i.user, uid: i.uid, gid: i.gid }))
    .digest('hex');
  const tag = `podvisor-uid:${key.slice(0, 32)}`;
  if (await client.imageConfig(tag, { signal: ctx.signal })) return { tag, cached: true };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pv-uid-'));
  try {
    fs.writeFileSync(path.join(dir, 'uid.sh'), SCRIPT);
    fs.writeFileSync(
      path.join(dir, 'Dockerfile'),
      [
        `FROM ${i.base}`,
        'USER root',
        'COPY uid.sh /tmp/podvisor-uid.sh',
        `RUN ${JSON.stringify(['/bin/sh', '/tmp/podvisor-uid.sh', i.user, String(i.uid), String(i.gid)])}`,
        ...(i.imageUser ? [`USER ${i.imageUser}`] : []),
        '',
      ].join('\n'),
    );
    await client.build(
      { context: dir, dockerfile: 'Dockerfile', tag, args: {}, labels: { [FEATURE_CACHE_LABEL]: 'uid' } },
      { ...(ctx.signal ? { signal: ctx.signal } : {}), onLine: (l) => ctx.log.info(`[uid] ${l}`) },
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return { tag, cached: false };
}
