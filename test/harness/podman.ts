/**
 * A private Podman engine for tests: Debian's podman 4 answering the Docker API with `podman
 * system service` on its own socket, with its own storage (graphroot, runroot), its own
 * containers.conf, and its own CNI network (bridge `pvpod<slot>`, no firewall or port-mapping
 * plugin, so it adds no iptables rule and never touches Podman's default `cni-podman0`). Started
 * once per run, stopped by pid, never by name.
 */
import { execFileSync, spawn } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as path from 'path';
import { stopPid } from './dockerd';

export interface PrivatePodman {
  readonly host: string; // unix:///…/podman.sock
  readonly socket: string;
  readonly pid: number;
  readonly dir: string;
  readonly bridge: string;
}

export interface PodmanOptions {
  /** Our own bridge name and /24 (`10.234.N.0/24`). */
  readonly bridge?: string;
  readonly subnet?: string;
  readonly timeoutMs?: number;
  /** Registries (`host:port`) this Podman may reach without verifying TLS (the test registry's own CA). */
  readonly insecureRegistries?: readonly string[];
}

export const PODMAN_BIN = '/usr/bin/podman';

function ping(socket: string): Promise<boolean> {
  return new Promise((resolve) => {
    const c = net.createConnection(socket);
    c.setTimeout(1000);
    c.on('connect', () => c.write('GET /_ping HTTP/1.0\r\n\r\n'));
    let buf = '';
    c.on('data', (d) => (buf += d.toString()));
    c.on('end', () => resolve(/\bOK\b/.test(buf)));
    c.on('error', () => resolve(false));
    c.on('timeout', () => {
      c.destroy();
      resolve(false);
    });
  });
}

/** The files that make this Podman private: config, storage, the network. */
function writeConfig(
  dir: string,
  bridge: string,
  subnet: string,
  insecure: readonly string[],
): Record<string, string> {
  const gw = subnet.replace(/\.0\/24$/, '.1');
  const conf = path.join(dir, 'containers.conf');
  const storage = path.join(dir, 'storage.conf');
  const netDir = path.join(dir, 'net');
  fs.mkdirSync(netDir, { recursive: true });
  fs.mkdirSync(path.join(dir, 'tmp'), { recursive: true });
  // Without the ulimits, containers fail to start here ("nofile" above the hard limit).
  fs.writeFileSync(
    conf,
    [
      '[containers]',
      'default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]',
      '[engine]',
      'cgroup_manager = "cgroupfs"',
      'events_logger = "file"',
      `events_logfile_path = "${dir}/events.log"`,
      `tmp_dir = "${dir}/tmp"`,
      `static_dir = "${dir}/root/libpod"`,
      `volume_path = "${dir}/root/volumes"`,
      '[network]',
      'network_backend = "cni"',
      `network_config_dir = "${netDir}"`,
      `default_network = "${bridge}"`,
      `default_subnet = "${subnet}"`,
      '',
    ].join('\n'),
  );
  fs.writeFileSync(
    storage,
    ['[storage]', 'driver = "overlay"', `graphroot = "${dir}/root"`, `runroot = "${dir}/run"`, ''].join('\n'),
  );
  fs.writeFileSync(
    path.join(netDir, `${bridge}.conflist`),
    JSON.stringify({
      cniVersion: '0.4.0',
      name: bridge,
      plugins: [
        {
          type: 'bridge',
          bridge,
          isGateway: true,
          ipMasq: false,
          hairpinMode: true,
          ipam: {
            type: 'host-local',
            routes: [{ dst: '0.0.0.0/0' }],
            ranges: [[{ subnet, gateway: gw }]],
          },
        },
      ],
    }),
  );
  const registries = path.join(dir, 'registries.conf');
  fs.writeFileSync(
    registries,
    insecure.map((r) => `[[registry]]\nlocation = ${JSON.stringify(r)}\ninsecure = true\n`).join('\n'),
  );
  return { CONTAINERS_CONF: conf, CONTAINERS_STORAGE_CONF: storage, CONTAINERS_REGISTRIES_CONF: registries };
}

/** Starts Podman's API service under `dir` and waits until it answers /_ping. */
export async function startPrivatePodman(dir: string, opts: PodmanOptions = {}): Promise<PrivatePodman> {
  const { bridge = 'pvpod0', subnet = '10.234.0.0/24', timeoutMs = 30_000, insecureRegistries = [] } = opts;
  if (!fs.existsSync(PODMAN_BIN)) throw new Error('podman is not installed (Debian package podman)');
  fs.mkdirSync(dir, { recursive: true });
  const socket = path.join(dir, 'podman.sock');
  const pidfile = path.join(dir, 'service.pid');
  try {
    // A run killed hard may have left its service: it is ours (our pidfile, our folder).
    const old = Number(fs.readFileSync(pidfile, 'utf8'));
    if (old > 1 && fs.readFileSync(`/proc/${old}/cmdline`, 'utf8').includes(socket)) stopPid(old, 5000);
  } catch {
    /* none */
  }
  fs.rmSync(socket, { force: true });
  const env = writeConfig(dir, bridge, subnet, insecureRegistries);
  const logFd = fs.openSync(path.join(dir, 'podman.log'), 'a');
  const child = spawn(
    PODMAN_BIN,
    [
      '--root',
      path.join(dir, 'root'),
      '--runroot',
      path.join(dir, 'run'),
      'system',
      'service',
      '--time=0',
      `unix://${socket}`,
    ],
    { detached: true, stdio: ['ignore', logFd, logFd], env: { ...process.env, ...env }, cwd: dir },
  );
  fs.closeSync(logFd);
  child.unref();
  fs.writeFileSync(pidfile, String(child.pid));
  const t0 = Date.now();
  while (Date.now() - t0 < timeoutMs) {
    if (await ping(socket)) return { host: `unix://${socket}`, socket, pid: child.pid!, dir, bridge };
    if (child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  stopPid(child.pid!, 5000);
  const tail = fs.readFileSync(path.join(dir, 'podman.log'), 'utf8').split('\n').slice(-15).join('\n');
  throw new Error(`private podman did not come up in ${timeoutMs} ms:\n${tail}`);
}

/**
 * Stops the service by pid, then removes what its containers left: their storage mounts under
 * `dir` and our bridge (Podman's `system service` leaves both when containers still exist).
 */
export function stopPrivatePodman(p: PrivatePodman): void {
  stopPid(p.pid, 10_000);
  // conmon processes of still-running containers keep them alive: theirs mention our folder.
  for (const pid of fs.readdirSync('/proc').filter((x) => /^\d+$/.test(x))) {
    try {
      const cmd = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      if (cmd.startsWith('/usr/bin/conmon') && cmd.includes(`${p.dir}/`)) stopPid(Number(pid), 3000);
    } catch {
      /* exited */
    }
  }
  const mounts = fs
    .readFileSync('/proc/mounts', 'utf8')
    .split('\n')
    .map((l) => l.split(' ')[1])
    .filter((m): m is string => !!m && m.startsWith(`${p.dir}/`));
  for (const m of mounts.reverse()) {
    try {
      execFileSync('umount', ['-l', m], { stdio: 'ignore' });
    } catch {
      /* gone */
    }
  }
  try {
    execFileSync('ip', ['link', 'del', p.bridge], { stdio: 'ignore' });
  } catch {
    /* never created */
  }
}
