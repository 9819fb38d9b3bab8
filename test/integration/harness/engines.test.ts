import * as assert from 'assert';
import { execFileSync } from 'child_process';
import { needCompose, needDocker, needGvisor, needPodman, needQemu, needRegistry } from '../../harness/env';
import { docker, dockerCli, ensureBusyboxImage } from '../../harness/images';

describe('test engines (harness self-check)', function () {
  it('the private dockerd runs a runc container from a locally built image', function () {
    const host = needDocker(this);
    const img = ensureBusyboxImage(host);
    assert.strictEqual(docker(host, ['run', '--rm', img, 'echo', 'hello-runc']), 'hello-runc');
  });

  it('the private dockerd runs a gVisor container', function () {
    needGvisor(this);
    const host = needDocker(this);
    const out = docker(host, ['run', '--rm', '--runtime=runsc', ensureBusyboxImage(host), 'dmesg']);
    assert.match(out, /gVisor/);
  });

  it('QEMU has an accelerator that works here', function () {
    const accel = needQemu(this);
    assert.ok(accel === 'kvm' || accel === 'tcg');
  });

  it('the private Podman answers the Docker API and runs a container on its own bridge', function () {
    const host = needPodman(this);
    const img = ensureBusyboxImage(host);
    const out = docker(host, [
      'run',
      '--rm',
      img,
      'sh',
      '-c',
      'echo hello-podman; cat /proc/net/route | wc -l',
    ]);
    assert.match(out, /^hello-podman/);
    assert.match(
      docker(host, ['version', '--format', '{{range .Server.Components}}{{.Name}} {{end}}']),
      /Podman/,
    );
  });

  it('the private registry speaks TLS with the test CA and wants the htpasswd user', function () {
    const r = needRegistry(this);
    const code = (user: string) =>
      execFileSync(
        'curl',
        ['-s', '-o', '/dev/null', '-w', '%{http_code}', '--cacert', r.ca, '-u', user, `${r.url}/v2/`],
        {
          encoding: 'utf8',
        },
      );
    assert.strictEqual(code(`${r.user}:${r.password}`), '200');
    assert.strictEqual(code(`${r.user}:wrong`), '401');
  });

  it('both Compose CLIs run: docker compose (v2 plugin) and docker-compose 1.29', function () {
    const v1 = needCompose(this, 'v1');
    assert.match(
      execFileSync('/usr/bin/docker-compose', ['version', '--short'], { encoding: 'utf8' }),
      /^1\.29/,
    );
    needCompose(this, 'v2');
    const out = execFileSync(dockerCli, ['compose', 'version'], {
      encoding: 'utf8',
      env: { ...process.env, DOCKER_CONFIG: v1.dockerConfig },
    });
    assert.match(out, /Docker Compose version v5\./);
  });
});
