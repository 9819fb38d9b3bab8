/**
 * Kubeconfig discovery and merging, as kubectl does it (client-go's loading rules):
 *  1. an explicit file (the `podvisor.kubernetes.kubeconfig` setting, like `--kubeconfig`): only it,
 *     and it must exist;
 *  2. else `KUBECONFIG`, a list of files (':' separated); missing ones are skipped; for every
 *     named cluster, user and context the first file that defines it wins, and so does the first
 *     `current-context`;
 *  3. else `~/.kube/config`.
 * Relative file paths inside a kubeconfig are relative to that file. Credentials are kept in the
 * client-node KubeConfig only; nothing here logs or returns them.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { KubeConfig, type Cluster, type Context, type User } from '@kubernetes/client-node';
import { UserError, messageOf } from '../../common/errors';

export interface KubeContextInfo {
  readonly name: string;
  readonly cluster: string;
  readonly user: string;
  /** The context's namespace ('' when it sets none: "default"). */
  readonly namespace: string;
  /** The cluster's server URL ('' when the context names a cluster no file defines). */
  readonly server: string;
}

export interface KubeconfigSet {
  /** The files read, in order (explicit, KUBECONFIG's, or ~/.kube/config). */
  readonly files: readonly string[];
  /** How they were found, for messages: 'setting', 'KUBECONFIG' or 'default'. */
  readonly source: 'setting' | 'KUBECONFIG' | 'default';
  readonly contexts: readonly KubeContextInfo[];
  /** The current context ('' when none is set). */
  readonly current: string;
  /** A client-node KubeConfig on `context` (throws UserError for an unknown or broken context). */
  configFor(context: string): KubeConfig;
}

export interface KubeconfigSources {
  /** The setting's value ('' = not set). `~` expands to the home folder. */
  readonly explicit?: string;
  /** KUBECONFIG's value (defaults to process.env.KUBECONFIG). */
  readonly env?: string;
  readonly home?: string;
}

function expandHome(p: string, home: string): string {
  return p === '~' ? home : p.startsWith('~/') ? path.join(home, p.slice(2)) : p;
}

/** The files to read and why (kubectl's precedence). */
export function kubeconfigFiles(src: KubeconfigSources = {}): {
  files: string[];
  source: KubeconfigSet['source'];
} {
  const home = src.home ?? os.homedir();
  if (src.explicit) return { files: [path.resolve(expandHome(src.explicit, home))], source: 'setting' };
  const env = src.env ?? process.env.KUBECONFIG ?? '';
  const listed = env
    .split(path.delimiter)
    .filter(Boolean)
    .map((f) => path.resolve(expandHome(f, home)));
  if (listed.length) return { files: [...new Set(listed)], source: 'KUBECONFIG' };
  return { files: [path.join(home, '.kube', 'config')], source: 'default' };
}

/** Reads and merges the kubeconfig files. Throws UserError with the file and the parser's reason. */
export function loadKubeconfig(src: KubeconfigSources = {}): KubeconfigSet {
  const { files, source } = kubeconfigFiles(src);
  const clusters = new Map<string, Cluster>();
  const users = new Map<string, User>();
  const contexts = new Map<string, Context>();
  let current = '';
  let found = 0;
  for (const file of files) {
    if (!fs.existsSync(file)) {
      if (source === 'setting')
        throw new UserError(`Kubeconfig file ${file} does not exist (set by podvisor.kubernetes.kubeconfig)`);
      continue; // kubectl skips missing KUBECONFIG entries
    }
    found++;
    const kc = new KubeConfig();
    try {
      kc.loadFromFile(file);
    } catch (e) {
      throw new UserError(`Kubeconfig ${file} is not valid: ${messageOf(e)}`);
    }
    for (const c of kc.getClusters()) if (!clusters.has(c.name)) clusters.set(c.name, c);
    for (const u of kc.getUsers()) if (!users.has(u.name)) users.set(u.name, u);
    for (const c of kc.getContexts()) if (!contexts.has(c.name)) contexts.set(c.name, c);
    if (!current && kc.getCurrentContext()) current = kc.getCurrentContext();
  }
  if (!found && source === 'KUBECONFIG')
    throw new UserError(`None of the kubeconfig files in KUBECONFIG exist: ${files.join(', ')}`);
  if (!found) throw new UserError(`No kubeconfig: ${files[0]} does not exist`);
  const infos: KubeContextInfo[] = [...contexts.values()].map((c) => ({
    name: c.name,
    cluster: c.cluster,
    user: c.user,
    namespace: c.namespace ?? '',
    server: clusters.get(c.cluster)?.server ?? '',
  }));
  return {
    files,
    source,
    contexts: infos,
    current,
    configFor(name: string): KubeConfig {
      const ctx = contexts.get(name);
      if (!ctx)
        throw new UserError(
          `Context "${name}" is not in the kubeconfig (${files.join(', ')}); known: ${[...contexts.keys()].join(', ') || 'none'}`,
        );
      const cluster = clusters.get(ctx.cluster);
      if (!cluster)
        throw new UserError(
          `Context "${name}" names cluster "${ctx.cluster}", which no kubeconfig file defines`,
        );
      const user = users.get(ctx.user);
      if (!user)
        throw new UserError(`Context "${name}" names user "${ctx.user}", which no kubeconfig file defines`);
      const kc = new KubeConfig();
      kc.loadFromOptions({ clusters: [cluster], users: [user], contexts: [ctx], currentContext: name });
      return kc;
    },
  };
}
