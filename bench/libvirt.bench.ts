/**
 * libvirt group refresh with 50 domains defined, on a private libvirtd: Podvisor's one-process
 * listing (`virsh domstats --raw --state --vcpu --balloon`, parsed) against the obvious
 * alternative measured in the same run (`virsh list --all --name` + one `virsh dominfo` per
 * domain). Prints medians and the ratio; no pass/fail on absolute times.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { LibvirtClient } from '../src/backends/libvirt/client';
import { silentLogger } from '../src/common/log';
import { guestDomainXml, startPrivateLibvirtd, stopPrivateLibvirtd } from '../test/harness/libvirtd';
import { median } from './lib/stats';

const N = 50;

async function timeIt(runs: number, f: () => unknown): Promise<number> {
  const t: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await f();
    t.push(performance.now() - t0);
  }
  return median(t);
}

async function main(): Promise<void> {
  process.env.LIBVIRT_AUTOSTART = '0';
  if (!fs.existsSync('/usr/sbin/libvirtd') || !fs.existsSync('/usr/bin/virsh')) {
    console.log(
      '\nlibvirt bench: SKIPPED — libvirtd/virsh not installed (Debian packages libvirt-daemon-system, libvirt-clients)',
    );
    return;
  }
  const d = await startPrivateLibvirtd(path.join('/tmp', `podvisor-libvirt-bench-${process.pid}`));
  try {
    const virsh = (...a: string[]) =>
      execFileSync('virsh', ['-c', d.uri, ...a], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    const files = path.join(d.dir, 'files');
    fs.mkdirSync(files, { recursive: true });
    const tDefine = performance.now();
    for (let i = 0; i < N; i++) {
      const xml = path.join(files, `b${i}.xml`);
      fs.writeFileSync(
        xml,
        guestDomainXml({
          name: `bench-${String(i).padStart(2, '0')}`,
          kernel: '/nonexistent/vmlinuz',
          initrd: '/nonexistent/initrd',
          cmdline: 'console=ttyS0',
          disk: path.join(files, `b${i}.qcow2`),
          accel: 'tcg',
        }),
      );
      virsh('define', '--file', xml);
    }
    const defineMs = performance.now() - tDefine;
    const client = new LibvirtClient(d.uri, { virsh: 'virsh', log: silentLogger });
    const got = await client.listDomains();
    if (got.length !== N) throw new Error(`expected ${N} domains, listed ${got.length}`);
    const ours = await timeIt(15, () => client.listDomains());
    const naive = await timeIt(3, () => {
      const names = virsh('list', '--all', '--name').split('\n').filter(Boolean);
      return names.map((n) => virsh('dominfo', '--domain', n));
    });
    const rows: Array<[string, string]> = [
      ['private libvirtd start (spawn → answers)', `${d.startMs} ms`],
      [`define ${N} domains (first includes QEMU caps probe)`, `${defineMs.toFixed(0)} ms`],
      [`Podvisor listDomains, ${N} domains (domstats, 1 process)`, `${ours.toFixed(1)} ms`],
      [`list --name + ${N}× dominfo (${N + 1} processes)`, `${naive.toFixed(1)} ms`],
      ['ratio naive / Podvisor', `${(naive / ours).toFixed(1)}×`],
    ];
    console.log('\nlibvirt bench');
    for (const [k, v] of rows) console.log(`  ${k.padEnd(58)} ${v.padStart(10)}`);
  } finally {
    await stopPrivateLibvirtd(d);
  }
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
