import * as assert from 'assert';
import { engineErrorInfo } from '../../../../src/backends/docker/errors';
import { parseEventLine, changesContainer } from '../../../../src/backends/docker/events';
import { validateContainerName, assertContainerRef } from '../../../../src/backends/docker/names';
import {
  parseImage,
  parseInspectedContainer,
  parseListedContainer,
} from '../../../../src/backends/docker/parse';
import {
  containerTooltip,
  groupContainers,
  presentContainer,
  presentImage,
  statusLine,
} from '../../../../src/backends/docker/present';
import { isolationOfRuntime } from '../../../../src/backends/types';
import { at } from '../../../harness/pick';

const listed = (over: Record<string, unknown> = {}) => ({
  Id: 'a'.repeat(64),
  Names: ['/web'],
  Image: 'nginx:1',
  ImageID: 'sha256:' + 'b'.repeat(64),
  Command: 'nginx -g daemon off;',
  Created: 1_700_000_000,
  State: 'running',
  Status: 'Up 5 minutes (healthy)',
  Ports: [
    { IP: '0.0.0.0', PrivatePort: 80, PublicPort: 8080, Type: 'tcp' },
    { IP: '::', PrivatePort: 80, PublicPort: 8080, Type: 'tcp' },
    { PrivatePort: 443, Type: 'tcp' },
  ],
  Labels: { 'com.docker.compose.project': 'shop', 'com.docker.compose.service': 'web' },
  HostConfig: { NetworkMode: 'default' },
  NetworkSettings: { Networks: { bridge: {} } },
  ...over,
});

describe('docker parsing and presentation', () => {
  it('maps runtimes to isolation', () => {
    assert.strictEqual(isolationOfRuntime('runc'), 'container');
    assert.strictEqual(isolationOfRuntime('runsc'), 'gvisor');
    assert.strictEqual(isolationOfRuntime('kata-qemu'), 'vm');
    assert.strictEqual(isolationOfRuntime('io.containerd.kata.v2'), 'vm');
    assert.strictEqual(isolationOfRuntime(undefined), 'unknown');
  });

  it('parses a listed container (ports deduplicated, health, compose labels)', () => {
    const c = parseListedContainer(listed(), 'runsc')!;
    assert.strictEqual(c.name, 'web');
    assert.strictEqual(c.state, 'running');
    assert.strictEqual(c.health, 'healthy');
    assert.strictEqual(c.ports.length, 2);
    assert.strictEqual(c.composeProject, 'shop');
    assert.strictEqual(c.isolation, 'gvisor');
    const v = presentContainer(c, Date.now());
    assert.strictEqual(v.contextValue, 'container.running');
    assert.match(v.description, /nginx:1 · up 5 minutes \(healthy\) · 8080→80 · \[gVisor sandbox\]/);
  });

  it('reads the exit code of a stopped container and refuses malformed entries', () => {
    const c = parseListedContainer(
      listed({ State: 'exited', Status: 'Exited (137) 2 hours ago', Ports: null, Labels: null }),
    )!;
    assert.strictEqual(c.state, 'stopped');
    assert.strictEqual(c.exitCode, 137);
    assert.strictEqual(statusLine(c, Date.now()), 'exited (137) 2 hours ago');
    assert.strictEqual(c.ports.length, 0);
    assert.strictEqual(parseListedContainer({ Names: ['/x'] }), undefined);
    assert.strictEqual(parseListedContainer(null), undefined);
  });

  it('parses an inspected container like a listed one', () => {
    const now = Date.now();
    const c = parseInspectedContainer({
      Id: 'c'.repeat(64),
      Name: '/db',
      Created: new Date(now - 3_600_000).toISOString(),
      Path: 'postgres',
      Args: ['-c', 'x=1'],
      State: {
        Status: 'exited',
        Running: false,
        ExitCode: 3,
        StartedAt: new Date(now - 60_000).toISOString(),
        FinishedAt: new Date(now - 30_000).toISOString(),
      },
      Image: 'sha256:dd',
      Config: { Image: 'postgres:16', Labels: {} },
      HostConfig: { Runtime: 'kata-clh' },
      NetworkSettings: {
        Ports: { '5432/tcp': [{ HostIp: '127.0.0.1', HostPort: '15432' }] },
        Networks: { n1: {} },
      },
    })!;
    assert.strictEqual(c.name, 'db');
    assert.strictEqual(c.isolation, 'vm');
    assert.strictEqual(c.exitCode, 3);
    assert.strictEqual(statusLine(c, now), 'exited (3) 30 s ago');
    assert.match(presentContainer(c, now).description, /127\.0\.0\.1:15432→5432 · \[Kata VM\]/);
    const created = parseInspectedContainer({
      Id: 'd'.repeat(64),
      Name: '/x',
      State: { Status: 'created', ExitCode: 0, StartedAt: '0001-01-01T00:00:00Z' },
      Config: {},
      HostConfig: { Runtime: 'runc' },
    })!;
    assert.strictEqual(created.exitCode, undefined);
    assert.strictEqual(created.startedAt, undefined);
    assert.strictEqual(presentContainer(created, now).contextValue, 'container.created');
  });

  it('escapes untrusted text in tooltips (labels, names with Markdown and HTML)', () => {
    const c = parseListedContainer(
      listed({
        Names: ['/evil'],
        Image: 'img`x`',
        Labels: { 'com.docker.compose.project': '[click](command:rm) <img src=x> ü 日本 $(rm -rf /)' },
      }),
    )!;
    const tip = containerTooltip(c, Date.now());
    assert.ok(!tip.includes('[click](command:rm)'));
    assert.ok(!/(^|[^\\])<img/.test(tip), tip);
    assert.ok(tip.includes('ü 日本'));
    assert.match(tip, /`` img`x` ``/);
  });

  it('groups by compose project, state and runtime, and sorts', () => {
    const a = parseListedContainer(listed({ Id: '1'.repeat(64), Names: ['/b'], Created: 2 }), 'runc')!;
    const b = parseListedContainer(
      listed({ Id: '2'.repeat(64), Names: ['/a'], Created: 1, Labels: {} }),
      'runsc',
    )!;
    const c = parseListedContainer(
      listed({
        Id: '3'.repeat(64),
        Names: ['/c'],
        State: 'exited',
        Status: 'Exited (0) 1 second ago',
        Created: 3,
      }),
    )!;
    assert.deepStrictEqual(
      groupContainers([a, b, c], 'composeProject', 'name').map((g) => [
        g.label,
        g.containers.map((x) => x.name),
      ]),
      [
        ['shop', ['b', 'c']],
        ['(no Compose project)', ['a']],
      ],
    );
    assert.deepStrictEqual(
      groupContainers([a, b, c], 'state', 'name').map((g) => g.key),
      ['state:running', 'state:stopped'],
    );
    assert.deepStrictEqual(
      groupContainers([a, b, c], 'runtime', 'name').map((g) => g.label),
      ['runc — container', 'runsc — gVisor sandbox', '(runtime not yet known)'],
    );
    assert.deepStrictEqual(
      at(groupContainers([a, b, c], 'none', 'created'), 0).containers.map((x) => x.name),
      ['c', 'b', 'a'],
    );
  });

  it('parses images; dangling ones are marked', () => {
    const i = parseImage({
      Id: 'sha256:' + 'e'.repeat(64),
      RepoTags: ['<none>:<none>'],
      RepoDigests: null,
      Size: 2_000_000,
      Created: 1_700_000_000,
      Containers: -1,
    })!;
    assert.ok(i.dangling);
    assert.strictEqual(presentImage(i, Date.now()).contextValue, 'image.dangling');
    const t = parseImage({ Id: 'sha256:f', RepoTags: ['busybox:1'], Size: 1_980_000, Created: 0 })!;
    assert.strictEqual(presentImage(t, 0).label, 'busybox:1');
    assert.match(presentImage(t, 0).description, /^2\.0 MB/);
  });

  it("takes the engine's own reason out of dockerode errors", () => {
    const e = Object.assign(
      new Error(
        '(HTTP code 409) unexpected - You cannot remove a running container abc. Stop the container before attempting removal or force remove ',
      ),
      {
        statusCode: 409,
        json: {
          message:
            'You cannot remove a running container abc. Stop the container before attempting removal or force remove',
        },
      },
    );
    const info = engineErrorInfo(e);
    assert.strictEqual(
      info.reason,
      'You cannot remove a running container abc. Stop the container before attempting removal or force remove',
    );
    assert.strictEqual(info.unreachable, false);
    assert.strictEqual(
      engineErrorInfo(new Error('(HTTP code 404) no such container - No such container: x ')).reason,
      'No such container: x',
    );
    assert.ok(
      engineErrorInfo(Object.assign(new Error('connect ECONNREFUSED /x.sock'), { code: 'ECONNREFUSED' }))
        .unreachable,
    );
  });

  it("validates container names against Docker's rules", () => {
    for (const ok of ['web', 'a.b-c_d', 'X1']) assert.strictEqual(validateContainerName(ok), undefined, ok);
    for (const bad of [
      '',
      'a',
      'with space',
      'ünï',
      '日本',
      'x;rm -rf /',
      '$(id)',
      '`id`',
      '-lead',
      'a|b',
      "it's",
    ])
      assert.ok(validateContainerName(bad), bad);
    assert.throws(() => assertContainerRef('../../etc'), /Not a container/);
    assert.strictEqual(assertContainerRef('a'.repeat(64)), 'a'.repeat(64));
  });

  it('parses event lines and ignores quiet ones', () => {
    const e = parseEventLine(
      JSON.stringify({
        Type: 'container',
        Action: 'die',
        Actor: { ID: 'abc', Attributes: { name: 'x', exitCode: '0' } },
      }),
      1,
    )!;
    assert.deepStrictEqual([e.type, e.action, e.id, e.attributes.exitCode], ['container', 'die', 'abc', '0']);
    assert.ok(changesContainer(e));
    assert.ok(
      !changesContainer(
        parseEventLine(
          JSON.stringify({ Type: 'container', Action: 'exec_start: sh', Actor: { ID: 'abc' } }),
          1,
        )!,
      ),
    );
    assert.strictEqual(parseEventLine('{oops', 1), undefined);
  });
});
