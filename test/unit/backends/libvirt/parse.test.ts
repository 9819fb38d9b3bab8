import * as assert from 'assert';
import { parseDomstats, parseEventLine, parseSnapshotList } from '../../../../src/backends/libvirt/parse';
import { classify, virshReason } from '../../../../src/backends/libvirt/virsh';
import { unreachableHint } from '../../../../src/backends/libvirt/hints';

// Captured from virsh 9.0 (`domstats --raw --state --vcpu --balloon`) against a private libvirtd.
const DOMSTATS = `Domain: 'pv-guest'
  state.state=1
  state.reason=1
  balloon.current=262144
  balloon.maximum=262144
  balloon.rss=234352
  vcpu.current=1
  vcpu.maximum=1
  vcpu.0.state=1
  vcpu.0.time=37240000000

Domain: 'pv two'
  state.state=5
  state.reason=0
  balloon.current=262144
  balloon.maximum=524288
  vcpu.current=2
  vcpu.maximum=2

Domain: 'it's odd'
  state.state=3
`;

describe('libvirt: parsing virsh output', () => {
  it('reads domstats blocks: names with spaces and quotes, state, vCPUs, memory', () => {
    const r = parseDomstats('qemu:///x', DOMSTATS);
    assert.ok(r.ok, !r.ok ? r.error : '');
    assert.deepStrictEqual(
      r.value.map((d) => [d.name, d.state, d.vcpus, d.memoryKiB, d.maxMemoryKiB]),
      [
        ['pv-guest', 'running', 1, 262144, 262144],
        ['pv two', 'shutoff', 2, 262144, 524288],
        ["it's odd", 'paused', undefined, undefined, undefined],
      ],
    );
    assert.strictEqual(r.value[0]!.uri, 'qemu:///x');
  });

  it('maps every virDomainState number and treats unknown numbers as unknown', () => {
    const states = ['0', '1', '2', '3', '4', '5', '6', '7', '99', 'x'].map((s) => {
      const r = parseDomstats('u://', `Domain: 'a'\n  state.state=${s}\n`);
      assert.ok(r.ok);
      return r.value[0]!.state;
    });
    assert.deepStrictEqual(states, [
      'unknown',
      'running',
      'running',
      'paused',
      'shutdown',
      'shutoff',
      'crashed',
      'pmsuspended',
      'unknown',
      'unknown',
    ]);
  });

  it('rejects output it does not understand instead of guessing', () => {
    assert.strictEqual(parseDomstats('u://', '  state.state=1\n').ok, false);
    assert.strictEqual(parseDomstats('u://', "Domain: 'a'\nsomething else\n").ok, false);
    const empty = parseDomstats('u://', '\n');
    assert.ok(empty.ok && empty.value.length === 0);
  });

  it('reads snapshot-list tables and marks the current snapshot', () => {
    const text = ` Name        Creation Time               State
----------------------------------------------------
 s1          2026-11-24 23:03:47 +0000   running
 before upd  2026-11-24 23:05:01 +0000   shutoff
`;
    const r = parseSnapshotList(text, 'before upd');
    assert.ok(r.ok, !r.ok ? r.error : '');
    assert.deepStrictEqual(r.value, [
      { name: 's1', created: '2026-11-24 23:03:47 +0000', state: 'running', current: false },
      { name: 'before upd', created: '2026-11-24 23:05:01 +0000', state: 'shutoff', current: true },
    ]);
    const none = parseSnapshotList(' Name   Creation Time   State\n------------------------\n\n', undefined);
    assert.ok(none.ok && none.value.length === 0);
    assert.strictEqual(parseSnapshotList('garbage\n', undefined).ok, false);
  });

  it('parses event lines with and without timestamps, ignores the rest', () => {
    assert.deepStrictEqual(parseEventLine("event 'lifecycle' for domain 'pv-guest': Suspended Paused"), {
      kind: 'lifecycle',
      domain: 'pv-guest',
      detail: 'Suspended Paused',
    });
    assert.deepStrictEqual(
      parseEventLine("2026-11-24 23:04:42.648+0000: event 'lifecycle' for domain 'pv two': Defined Added"),
      { kind: 'lifecycle', domain: 'pv two', detail: 'Defined Added' },
    );
    assert.deepStrictEqual(parseEventLine("event 'reboot' for domain 'a'"), {
      kind: 'reboot',
      domain: 'a',
      detail: '',
    });
    assert.strictEqual(
      parseEventLine("event 'pool-lifecycle' for storage pool 'default': Started"),
      undefined,
    );
    assert.strictEqual(parseEventLine(''), undefined);
  });

  it("keeps virsh's own reason and drops the generic connect line", () => {
    assert.strictEqual(
      virshReason(
        "error: failed to connect to the hypervisor\nerror: Failed to connect socket to '/nope/sock': No such file or directory\n",
      ),
      "Failed to connect socket to '/nope/sock': No such file or directory",
    );
    assert.strictEqual(virshReason("error: failed to get domain 'x'\n"), "failed to get domain 'x'");
  });

  it('classifies virsh failures (stderr captured from virsh 9.0) and gives a hint for each', () => {
    const cases: Array<[string, string, RegExp]> = [
      [
        "error: failed to connect to the hypervisor\nerror: Failed to connect socket to '/var/run/libvirt/libvirt-sock': No such file or directory\n",
        'unreachable',
        /systemctl start libvirtd/,
      ],
      [
        "error: failed to connect to the hypervisor\nerror: Failed to connect socket to '/tmp/d/run/libvirt/libvirt-sock': Permission denied\n",
        'denied',
        /usermod -aG libvirt/,
      ],
      ["error: failed to get domain 'nope'\n", 'no-domain', /log/],
      ['error: Requested operation is not valid: domain is not running\n', 'failed', /log/],
    ];
    for (const [stderr, kind, hint] of cases) {
      assert.strictEqual(classify(stderr), kind, stderr);
      assert.match(unreachableHint('qemu:///system', classify(stderr)), hint);
    }
  });
});
