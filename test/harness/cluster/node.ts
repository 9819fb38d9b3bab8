/**
 * A real worker node for the test cluster, so pods really run: a private containerd (its own
 * root, state, socket, runc state and config; beside the private dockerd, never the machine's)
 * and a kubelet on it (cgroupfs under its own cgroup root, its own root dir, pod logs dir and
 * port), pods on a CNI bridge of ours (Debian's containernetworking-plugins: bridge +
 * host-local, `pvk8s<slot>` on 10.235.<slot>.0/24, slot-aware like the other engines). Images
 * are made from busybox-static and imported with `ctr -n k8s.io images import` (the pause image
 * too: containerd's sandbox image is ours); pods name the node and use imagePullPolicy: Never.
 * RuntimeClass `runc` → handler runc. Everything is stopped by pid; mounts, cgroups, the
 * bridge and the kubelet's kernel tunables are put back.
 *
 * Why the machine-specific settings: the machine has cgroup v1 (kubelet 1.35+ refuses it unless
 * `failCgroupV1: false`), no swap accounting (`failSwapOn: false`), and root without
 * CAP_SYS_RESOURCE, so no process may get a negative oom_score_adj: containerd's
 * `restrict_oom_score_adj` keeps the pause container at ≥ 0 instead of the kubelet's -998.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { stringify } from 'yaml';
import { freePort } from '../../../src/common/net';
import { pidsMentioning } from '../processes';
import { kubectl } from './bootstrap';
import type { ControlPlane } from './controlPlane';
import { alive, startDaemon, stopDaemon, stopStale, tail, type Daemon } from './daemon';
import { holdKernelTunables, moveHold, releaseKernelTunables } from './kernelTunables';
import { busyboxOciArchive } from './ociImage';
import { toolBinDir } from './tools';

export const NODE_NAME = 'pv-node';
export const TEST_IMAGE = 'podvisor-test/busybox:1';
export const PAUSE_IMAGE = 'podvisor-test/pause:1';
const CNI_BIN = '/usr/lib/cni';
const RUNC = '/usr/sbin/runc';

export interface NodeTools {
  readonly containerd: string;
  readonly ctr: string;
  readonly binDir: string;
  readonly kubelet: string;
}

/** The tools and system parts a node needs, or the exact reason it can't run here. */
export function nodePrerequisites(kubelet: string): NodeTools | { missing: string } {
  if (process.getuid?.() !== 0) return { missing: 'the kubelet and containerd need root' };
  const bin = toolBinDir('containerd');
  if (!bin) return { missing: 'containerd is not built (node scripts/tools.mjs build containerd)' };
  for (const f of [path.join(bin, 'containerd'), path.join(bin, 'containerd-shim-runc-v2'), kubelet])
    if (!fs.existsSync(f)) return { missing: `${f} is missing` };
  if (!fs.existsSync(RUNC)) return { missing: `${RUNC} is missing (Debian package runc)` };
  for (const p of ['bridge', 'host-local', 'loopback'])
    if (!fs.existsSync(path.join(CNI_BIN, p)))
      return { missing: `${CNI_BIN}/${p} is missing (Debian package containernetworking-plugins)` };
  if (!cgroupHierarchies().length) return { missing: 'no cgroup hierarchy is mounted under /sys/fs/cgroup' };
  return {
    containerd: path.join(bin, 'containerd'),
    ctr: path.join(bin, 'ctr'),
    binDir: bin,
    kubelet,
  };
}

/**
 * Mounted cgroup hierarchies: v1 controllers (and name=systemd), or the v2 root. With `all`,
 * also a hybrid machine's v2 mount (/sys/fs/cgroup/unified), where the kubelet makes its root too.
 */
function cgroupHierarchies(all = false): string[] {
  let mounts: string;
  try {
    mounts = fs.readFileSync('/proc/self/mounts', 'utf8');
  } catch {
    return [];
  }
  const v1: string[] = [];
  let v2 = '';
  for (const line of mounts.split('\n')) {
    const [, mp, type] = line.split(' ');
    if (!mp?.startsWith('/sys/fs/cgroup')) continue;
    if (type === 'cgroup') v1.push(mp);
    else if (type === 'cgroup2' && (mp === '/sys/fs/cgroup' || all)) v2 = mp;
  }
  if (all) return v2 ? [...v1, v2] : v1;
  return v1.length ? v1 : v2 ? [v2] : [];
}

function sh(cmd: string, args: string[], input?: string): string {
  return execFileSync(cmd, args, { encoding: 'utf8', input, stdio: ['pipe', 'pipe', 'pipe'] });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface NodeOptions {
  readonly slot: number;
  /** Everything of the node lives here (created; an earlier run's leftovers are cleaned first). */
  readonly dir: string;
  readonly log?: (s: string) => void;
}

/** What tests learn about the node (through PODVISOR_TEST_CLUSTER). */
export interface NodeInfo {
  readonly name: string;
  readonly ip: string;
  readonly image: string;
  /** RuntimeClass name → handler, as created on the cluster. */
  readonly runtimeClasses: Readonly<Record<string, string>>;
  /** Why a handler is missing (`runsc` → the reason), for loud skips. */
  readonly missingHandlers: Readonly<Record<string, string>>;
  readonly pids: { readonly containerd: number; readonly kubelet: number };
}

export class ClusterNode {
  private containerd?: Daemon;
  private kubelet?: Daemon;
  readonly bridge: string;
  readonly ip: string;
  readonly cgroupRoot: string;
  private readonly sock: string;
  private readonly shimSockets: string;

  private constructor(
    private readonly cp: ControlPlane,
    private readonly tools: NodeTools,
    private readonly o: NodeOptions,
  ) {
    this.bridge = `pvk8s${o.slot}`;
    this.ip = `10.235.${o.slot}.1`;
    this.cgroupRoot = `/podvisor-kubelet-${o.slot}`;
    this.sock = path.join(o.dir, 'containerd.sock');
    this.shimSockets = `/tmp/pvk8s-${o.slot}`;
  }

  static async start(cp: ControlPlane, o: NodeOptions): Promise<ClusterNode> {
    const tools = nodePrerequisites(cp.tools.kubelet);
    if ('missing' in tools) throw new Error(tools.missing);
    const n = new ClusterNode(cp, tools, o);
    await n.cleanLeftovers();
    try {
      const t0 = Date.now();
      fs.mkdirSync(o.dir, { recursive: true });
      n.makeBridge();
      await n.startContainerd();
      n.importImages();
      n.makeCgroupRoot();
      await n.startKubelet();
      await n.createRuntimeClasses();
      n.log(
        `node ${NODE_NAME} Ready (containerd pid ${n.containerd?.pid}, kubelet pid ${n.kubelet?.pid}) in ${Date.now() - t0} ms`,
      );
    } catch (e) {
      await n.stop();
      throw e;
    }
    return n;
  }

  get info(): NodeInfo {
    return {
      name: NODE_NAME,
      ip: this.ip,
      image: TEST_IMAGE,
      runtimeClasses: { runc: 'runc' },
      missingHandlers: { runsc: RUNSC_MISSING },
      pids: { containerd: this.containerd?.pid ?? 0, kubelet: this.kubelet?.pid ?? 0 },
    };
  }

  private log(s: string): void {
    this.o.log?.(`[node] ${s}`);
  }

  private p(...parts: string[]): string {
    return path.join(this.o.dir, ...parts);
  }

  private makeBridge(): void {
    try {
      sh('ip', ['link', 'show', this.bridge]);
    } catch {
      sh('ip', ['link', 'add', this.bridge, 'type', 'bridge']);
    }
    try {
      sh('ip', ['addr', 'add', `${this.ip}/24`, 'dev', this.bridge]);
    } catch {
      /* already there */
    }
    sh('ip', ['link', 'set', this.bridge, 'up']);
    fs.mkdirSync(this.p('cni', 'net.d'), { recursive: true });
    fs.writeFileSync(
      this.p('cni', 'net.d', '10-podvisor.conflist'),
      JSON.stringify({
        cniVersion: '1.0.0',
        name: `podvisor-${this.o.slot}`,
        plugins: [
          {
            type: 'bridge',
            bridge: this.bridge,
            isGateway: true,
            // No NAT, no iptables: pod traffic stays on this bridge and the machine.
            ipMasq: false,
            hairpinMode: true,
            ipam: {
              type: 'host-local',
              ranges: [
                [
                  {
                    subnet: `10.235.${this.o.slot}.0/24`,
                    rangeStart: `10.235.${this.o.slot}.10`,
                    rangeEnd: `10.235.${this.o.slot}.250`,
                    gateway: this.ip,
                  },
                ],
              ],
              dataDir: this.p('cni', 'ipam'),
            },
          },
          { type: 'loopback' },
        ],
      }),
    );
  }

  private containerdConfig(): string {
    const q = (s: string) => `'${s}'`;
    return [
      'version = 3',
      `root = ${q(this.p('containerd', 'root'))}`,
      `state = ${q(this.p('containerd', 'state'))}`,
      // Never the machine's /etc/containerd drop-ins.
      'imports = []',
      "disabled_plugins = ['io.containerd.nri.v1.nri', 'io.containerd.tracing.processor.v1.otlp', 'io.containerd.snapshotter.v1.devmapper', 'io.containerd.snapshotter.v1.zfs', 'io.containerd.snapshotter.v1.blockfile', 'io.containerd.snapshotter.v1.erofs', 'io.containerd.differ.v1.erofs']",
      '[grpc]',
      `  address = ${q(this.sock)}`,
      '[ttrpc]',
      `  address = ${q(`${this.sock}.ttrpc`)}`,
      "[plugins.'io.containerd.cri.v1.images']",
      "  snapshotter = 'overlayfs'",
      "[plugins.'io.containerd.cri.v1.images'.pinned_images]",
      `  sandbox = ${q(`docker.io/${PAUSE_IMAGE}`)}`,
      "[plugins.'io.containerd.cri.v1.runtime']",
      // Network namespaces under our state dir, not the machine's /var/run/netns.
      '  netns_mounts_under_state_dir = true',
      // No CAP_SYS_RESOURCE here: no negative OOM scores (the kubelet asks -998 for sandboxes).
      '  restrict_oom_score_adj = true',
      '  enable_criu = false',
      "[plugins.'io.containerd.cri.v1.runtime'.containerd]",
      "  default_runtime_name = 'runc'",
      "[plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc]",
      "  runtime_type = 'io.containerd.runc.v2'",
      "[plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc.options]",
      `  BinaryName = ${q(RUNC)}`,
      `  Root = ${q(this.p('containerd', 'runc'))}`,
      '  SystemdCgroup = false',
      "[plugins.'io.containerd.cri.v1.runtime'.cni]",
      `  bin_dirs = [${q(CNI_BIN)}]`,
      `  conf_dir = ${q(this.p('cni', 'net.d'))}`,
      "[plugins.'io.containerd.internal.v1.opt']",
      `  path = ${q(this.p('containerd', 'opt'))}`,
      // Shim sockets: containerd allows at most 42 characters for this folder.
      "[plugins.'io.containerd.shim.v1.manager']",
      `  socket_dir = ${q(this.shimSockets)}`,
      '',
    ].join('\n');
  }

  private async startContainerd(): Promise<void> {
    const config = this.p('containerd.toml');
    fs.writeFileSync(config, this.containerdConfig());
    this.containerd = startDaemon(
      'containerd',
      this.tools.containerd,
      ['--config', config],
      { log: this.p('containerd.log'), pidfile: this.p('containerd.pid') },
      // The runc shim is found on PATH, next to containerd.
      { PATH: `${this.tools.binDir}:${process.env.PATH ?? '/usr/bin:/bin'}` },
    );
    const until = Date.now() + 30_000;
    while (Date.now() < until) {
      if (this.containerd.exited())
        throw new Error(`containerd exited (${this.containerd.exited()}):\n${tail(this.containerd.log)}`);
      let plugins = '';
      try {
        plugins = this.ctr(['plugins', 'list']);
      } catch {
        /* not answering yet */
      }
      // The kubelet needs the CRI service: wait for its plugin, and say why when it failed.
      const cri = plugins.split('\n').find((l) => /\bio\.containerd\.grpc\.v1\s+cri\b/.test(l));
      if (cri && /\bok\s*$/.test(cri)) return;
      if (cri && /\berror\s*$/.test(cri)) {
        const why = tail(this.containerd.log, 400)
          .split('\n')
          .filter((l) => /level=(error|warning).*(cri|CRI)/.test(l))
          .pop();
        throw new Error(`containerd's CRI plugin failed to load: ${why ?? cri}`);
      }
      await sleep(100);
    }
    throw new Error(
      `containerd's CRI service did not come up on ${this.sock}:\n${tail(this.containerd.log)}`,
    );
  }

  private ctr(args: string[]): string {
    return sh(this.tools.ctr, ['--address', this.sock, '-n', 'k8s.io', ...args]);
  }

  private importImages(): void {
    const archive = busyboxOciArchive(this.p('images'), this.p('images.tar'), [
      { name: TEST_IMAGE, cmd: ['/bin/sh'] },
      // The pause container only sleeps; it is killed when its pod goes.
      { name: PAUSE_IMAGE, cmd: ['/bin/sleep', '2147483647'] },
    ]);
    this.ctr(['images', 'import', archive]);
  }

  private makeCgroupRoot(): void {
    for (const h of cgroupHierarchies()) {
      const d = path.join(h, this.cgroupRoot);
      fs.mkdirSync(d, { recursive: true });
      // cgroup v1 cpuset: a new group has no cpus/mems until given its parent's.
      if (fs.existsSync(path.join(h, 'cpuset.cpus')) && fs.existsSync(path.join(d, 'cpuset.cpus')))
        for (const f of ['cpuset.cpus', 'cpuset.mems'])
          if (!fs.readFileSync(path.join(d, f), 'utf8').trim())
            fs.writeFileSync(path.join(d, f), fs.readFileSync(path.join(h, f), 'utf8'));
    }
  }

  private async startKubelet(): Promise<void> {
    const port = await freePort();
    const kubeconfig = this.p('kubelet.kubeconfig');
    fs.writeFileSync(
      kubeconfig,
      stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [
          { name: 'pv', cluster: { server: this.cp.server, 'certificate-authority': this.cp.pki.ca.cert } },
        ],
        users: [{ name: 'node', user: { token: this.cp.users.node.token } }],
        contexts: [{ name: 'node', context: { cluster: 'pv', user: 'node' } }],
        'current-context': 'node',
      }),
      { mode: 0o600 },
    );
    const config = this.p('kubelet.yaml');
    fs.mkdirSync(this.p('pod-logs'), { recursive: true });
    fs.writeFileSync(
      config,
      stringify({
        apiVersion: 'kubelet.config.k8s.io/v1beta1',
        kind: 'KubeletConfiguration',
        // The node's address is the bridge's (the kubelet refuses a loopback node IP).
        address: this.ip,
        port,
        readOnlyPort: 0,
        healthzPort: 0,
        cgroupDriver: 'cgroupfs',
        cgroupRoot: this.cgroupRoot,
        failCgroupV1: false,
        failSwapOn: false,
        containerRuntimeEndpoint: `unix://${this.sock}`,
        podLogsDir: this.p('pod-logs'),
        // Only the API server (its client certificate, from the cluster CA) may call the kubelet.
        authentication: {
          anonymous: { enabled: false },
          webhook: { enabled: false },
          x509: { clientCAFile: this.cp.pki.ca.cert },
        },
        authorization: { mode: 'AlwaysAllow' },
        // A shared, busy test machine: never evict test pods or collect their images.
        evictionHard: {
          'memory.available': '1Mi',
          'nodefs.available': '1%',
          'imagefs.available': '1%',
          'nodefs.inodesFree': '1%',
        },
        imageGCHighThresholdPercent: 100,
        imageGCLowThresholdPercent: 99,
        serializeImagePulls: false,
        resolvConf: '/etc/resolv.conf',
      }),
    );
    holdKernelTunables(process.pid);
    this.kubelet = startDaemon(
      'kubelet',
      this.tools.kubelet,
      [
        `--config=${config}`,
        `--kubeconfig=${kubeconfig}`,
        `--root-dir=${this.p('kubelet')}`,
        `--cert-dir=${this.p('kubelet', 'pki')}`,
        `--hostname-override=${NODE_NAME}`,
        `--node-ip=${this.ip}`,
        '-v=1',
      ],
      { log: this.p('kubelet.log'), pidfile: this.p('kubelet.pid') },
    );
    moveHold(process.pid, this.kubelet.pid);
    const until = Date.now() + 120_000;
    while (Date.now() < until) {
      if (this.kubelet.exited())
        throw new Error(
          `kubelet exited (${this.kubelet.exited()}): ${lastError(this.kubelet.log)}\n${tail(this.kubelet.log)}`,
        );
      if (await this.ready()) return;
      await sleep(250);
    }
    throw new Error(`node ${NODE_NAME} not Ready after 120 s:\n${tail(this.kubelet.log)}`);
  }

  /** The Node object says Ready (read with kubectl, an independent client). */
  async ready(): Promise<boolean> {
    try {
      const out = await kubectl(this.cp, [
        'get',
        'node',
        NODE_NAME,
        '-o',
        'jsonpath={.status.conditions[?(@.type=="Ready")].status}',
      ]);
      return out.trim() === 'True';
    } catch {
      return false;
    }
  }

  private async createRuntimeClasses(): Promise<void> {
    await kubectl(
      this.cp,
      ['apply', '--server-side', '--field-manager=podvisor-test', '-f', '-'],
      stringify({
        apiVersion: 'node.k8s.io/v1',
        kind: 'RuntimeClass',
        metadata: { name: 'runc' },
        handler: 'runc',
      }),
    );
  }

  /** Deletes every pod and waits (bounded) until containerd runs nothing any more. */
  private async drain(): Promise<void> {
    if (!this.kubelet || !alive(this.kubelet.pid) || !this.cp.pids.apiserver) return;
    try {
      await kubectl(this.cp, [
        'delete',
        'pods',
        '--all',
        '--all-namespaces',
        '--grace-period=0',
        '--force',
        '--wait=false',
      ]);
    } catch (e) {
      this.log(`deleting pods failed: ${(e as Error).message.split('\n')[0]}`);
      return;
    }
    // Stopped tasks are enough: their sandboxes' networks are torn down by then. Exited
    // containers wait for the kubelet's minute-long garbage collection; they go with our root.
    const until = Date.now() + 60_000;
    while (Date.now() < until) {
      try {
        const live = this.ctr(['tasks', 'list'])
          .split('\n')
          .slice(1)
          .filter((l) => /\b(RUNNING|PAUSED|CREATED|PAUSING)\b/.test(l));
        if (!live.length) return;
      } catch {
        return;
      }
      await sleep(250);
    }
    this.log('tasks still running after 60 s; removing them by force');
  }

  async stop(): Promise<void> {
    const t0 = Date.now();
    await this.drain();
    const t1 = Date.now();
    if (this.kubelet) {
      await stopDaemon(this.kubelet);
      this.log(`pods drained in ${t1 - t0} ms, kubelet stopped in ${Date.now() - t1} ms`);
      const restored = releaseKernelTunables(this.kubelet.pid);
      if (restored) this.log(`kernel tunables put back: ${JSON.stringify(restored)}`);
    } else releaseKernelTunables(process.pid);
    if (this.containerd && alive(this.containerd.pid)) this.removeContainers();
    if (this.containerd) await stopDaemon(this.containerd);
    await this.cleanLeftovers();
  }

  /** Tasks and containers the kubelet did not remove (it was gone): killed, then deleted. */
  private removeContainers(): void {
    let ids: string[];
    try {
      ids = this.ctr(['containers', 'list', '-q']).split('\n').filter(Boolean);
    } catch {
      return;
    }
    for (const id of ids) {
      for (const args of [
        ['tasks', 'kill', '--signal', 'SIGKILL', id],
        ['tasks', 'delete', '--force', id],
        ['containers', 'delete', id],
      ])
        try {
          this.ctr(args);
        } catch {
          /* not running / already gone */
        }
    }
  }

  /**
   * What a run (this one, or an earlier one that was killed) may leave: daemons named by our
   * pidfiles, shims serving our containerd, mounts under our folder (rootfs overlays, netns,
   * volumes), our cgroup root, the bridge, the kubelet's log links. Removed; nothing else is touched.
   */
  private async cleanLeftovers(): Promise<void> {
    for (const n of ['kubelet', 'containerd']) {
      const pidfile = this.p(`${n}.pid`);
      let pid = 0;
      try {
        pid = Number(fs.readFileSync(pidfile, 'utf8'));
      } catch {
        /* none */
      }
      await stopStale(pidfile, this.o.dir);
      if (n === 'kubelet' && pid) releaseKernelTunables(pid);
    }
    // Shims outlive containerd; theirs name our socket in their command line.
    for (const pid of pidsMentioning(this.sock)) await stopDaemon({ pid }, 2_000);
    unmountUnder(this.o.dir);
    for (const h of cgroupHierarchies(true)) removeCgroupTree(path.join(h, this.cgroupRoot));
    try {
      sh('ip', ['link', 'delete', this.bridge, 'type', 'bridge']);
    } catch {
      /* not there */
    }
    removeLogLinks(this.p('pod-logs'));
    fs.rmSync(this.shimSockets, { recursive: true, force: true });
    fs.rmSync(this.o.dir, { recursive: true, force: true });
  }
}

/** The kubelet's own reason for exiting (its `command failed` line, or its last line), on one line. */
function lastError(log: string): string {
  const lines = tail(log, 200).split('\n').filter(Boolean);
  const failed = lines.filter((l) => /command failed|^F\d{4}/.test(l)).pop();
  return (failed ?? lines.pop() ?? '(no log)').replace(/^[EFWI]\d{4} [\d:.]+\s+\d+ \S+\] /, '');
}

/** Why runsc is not a RuntimeClass handler here (measured; see the README's Clusters section). */
export const RUNSC_MISSING =
  "gVisor's CRI shim (containerd-shim-runsc-v1, gvisor.dev/gvisor/shim) builds from the module proxy, but it sets its own oom_score_adj to -999 and fails when refused; root on this machine has no CAP_SYS_RESOURCE, so it cannot start (and Debian's runsc 20221219 predates the shim's protocol)";

/** Unmounts every mount point under `dir`, deepest first (lazy: a busy one goes when freed). */
function unmountUnder(dir: string): void {
  let info: string;
  try {
    info = fs.readFileSync('/proc/self/mountinfo', 'utf8');
  } catch {
    return;
  }
  const prefix = dir.endsWith('/') ? dir : `${dir}/`;
  const points = info
    .split('\n')
    .map((l) => l.split(' ')[4]?.replace(/\\040/g, ' '))
    .filter((m): m is string => !!m && (m === dir || m.startsWith(prefix)))
    .sort((a, b) => b.length - a.length);
  for (const m of points)
    try {
      sh('umount', ['-l', m]);
    } catch {
      /* already gone */
    }
}

/** rmdir of a cgroup tree, leaves first (cgroup dirs hold only kernel files: rmdir, not rm -r). */
function removeCgroupTree(d: string): void {
  let kids: fs.Dirent[];
  try {
    kids = fs.readdirSync(d, { withFileTypes: true });
  } catch {
    return;
  }
  for (const k of kids) if (k.isDirectory()) removeCgroupTree(path.join(d, k.name));
  try {
    fs.rmdirSync(d);
  } catch {
    /* a process still in it */
  }
}

/** The kubelet links container logs into /var/log/containers (fixed path): drop the links to ours. */
function removeLogLinks(podLogs: string): void {
  const dir = '/var/log/containers';
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return;
  }
  for (const n of names) {
    const f = path.join(dir, n);
    try {
      if (fs.readlinkSync(f).startsWith(podLogs)) fs.rmSync(f, { force: true });
    } catch {
      /* not a link */
    }
  }
}
