/**
 * Which user terminals and lifecycle commands run as. The spec's remoteUser wins; else the
 * image's own non-root user; else a non-root passwd user that can write the workspace; root
 * (with capabilities dropped) only when no non-root user could, and then a note says why.
 */
export interface PasswdEntry {
  readonly name: string;
  readonly uid: number;
  readonly gid: number;
  readonly home: string;
  readonly shell: string;
}

export function parsePasswd(text: string): PasswdEntry[] {
  const out: PasswdEntry[] = [];
  for (const line of text.split('\n')) {
    // name:password:uid:gid:gecos:home:shell
    const [name, , uidField, gidField, , home, shell] = line.split(':');
    if (!name || home === undefined || shell === undefined) continue;
    const uid = Number(uidField);
    const gid = Number(gidField);
    if (!Number.isInteger(uid) || !Number.isInteger(gid)) continue;
    out.push({ name, uid, gid, home, shell: shell.trim() });
  }
  return out;
}

export interface UserChoice {
  readonly user: string;
  readonly note?: string;
}

export function chooseUser(o: {
  remoteUser?: string;
  imageUser: string;
  passwd: readonly PasswdEntry[];
  /** Owner uid and mode of the host workspace folder, when there is one. */
  workspace?: { uid: number; mode: number };
}): UserChoice {
  if (o.remoteUser) return { user: o.remoteUser };
  const imageUser = o.imageUser.split(':')[0];
  if (imageUser && imageUser !== 'root' && imageUser !== '0') return { user: imageUser };
  const candidates = o.passwd.filter(
    (p) => p.uid >= 1000 && p.uid < 60000 && !/(nologin|false)$/.test(p.shell),
  );
  const [first] = candidates;
  if (!first) return { user: 'root' };
  const ws = o.workspace;
  if (!ws) return { user: first.name };
  const owner = candidates.find((p) => p.uid === ws.uid);
  if (owner) return { user: owner.name };
  const worldWritable = (ws.mode & 0o002) !== 0;
  if (worldWritable) return { user: first.name };
  return {
    user: 'root',
    note: `running as root (capabilities dropped) because the workspace is owned by uid ${ws.uid} and the image's user ${first.name} (uid ${first.uid}) could not write it; set "remoteUser" to choose`,
  };
}
