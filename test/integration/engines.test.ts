import * as assert from 'assert';
import { needDocker, needGvisor, needQemu } from '../harness/env';
import { docker, ensureBusyboxImage } from '../harness/images';

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
});
