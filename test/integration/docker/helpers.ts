import { docker } from '../../harness/images';
import { DockerClient } from '../../../src/backends/docker/client';
import { ContainerStore } from '../../../src/backends/docker/store';
import { silentLogger } from '../../../src/common/log';

export const PREFIX = `pvt${process.pid}`;

/** Polls `cond` until it is true or `ms` passed; returns the time it took. */
export async function until(
  cond: () => boolean | Promise<boolean>,
  ms: number,
  what: string,
): Promise<number> {
  const t0 = performance.now();
  while (performance.now() - t0 < ms) {
    if (await cond()) return performance.now() - t0;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`timed out after ${ms} ms waiting for ${what}`);
}

/** A store with the section's own reconnect back-off (the defaults); no safety poll unless asked. */
export function newStore(host: string, opts: { safetyPollMs?: number } = {}): ContainerStore {
  return new ContainerStore(new DockerClient({ host }), {
    log: silentLogger,
    safetyPollMs: opts.safetyPollMs ?? 0,
  });
}

/** Removes every container this test process created (by name prefix). */
export function cleanup(host: string): void {
  const ids = docker(host, ['ps', '-aq', '--filter', `name=${PREFIX}`])
    .split('\n')
    .filter(Boolean);
  if (ids.length) docker(host, ['rm', '-f', ...ids]);
}

export function state(host: string, id: string): string {
  return docker(host, ['inspect', '-f', '{{.State.Status}}', id]);
}
