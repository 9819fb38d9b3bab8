/**
 * The Compose CLIs the tests use, both real: `docker compose` (v2, built from its Go module by
 * scripts/tools.mjs and installed here as a Docker CLI plugin in a test DOCKER_CONFIG, never in
 * ~/.docker) and Debian's `docker-compose` 1.29. Each is reported as present or missing with why.
 */
import * as fs from 'fs';
import * as path from 'path';

export const COMPOSE_V1_BIN = '/usr/bin/docker-compose';

export interface ComposeClis {
  readonly env: Record<string, string>;
  readonly report: string[];
}

/**
 * `v2Binary`: the built docker-compose v2 binary (from `tools.mjs path compose`), if any. The
 * test DOCKER_CONFIG gets `cli-plugins/docker-compose` pointing at it.
 */
export function composeClis(dockerConfig: string, v2Binary: string | undefined): ComposeClis {
  const env: Record<string, string> = { PODVISOR_TEST_DOCKER_CONFIG: dockerConfig };
  const report: string[] = [];
  fs.mkdirSync(path.join(dockerConfig, 'cli-plugins'), { recursive: true });
  const plugin = path.join(dockerConfig, 'cli-plugins', 'docker-compose');
  fs.rmSync(plugin, { force: true });
  if (v2Binary && fs.existsSync(v2Binary)) {
    fs.symlinkSync(v2Binary, plugin);
    env.PODVISOR_TEST_COMPOSE_V2 = '1';
    report.push(`compose v2: docker compose (plugin ${v2Binary})`);
  } else {
    env.PODVISOR_TEST_WHY_NO_COMPOSE_V2 =
      process.env.PODVISOR_TEST_WHY_NO_COMPOSE_V2 ??
      'docker compose v2 is not built (node scripts/tools.mjs build compose)';
    report.push(`compose v2: MISSING — ${env.PODVISOR_TEST_WHY_NO_COMPOSE_V2}`);
  }
  if (fs.existsSync(COMPOSE_V1_BIN)) {
    env.PODVISOR_TEST_COMPOSE_V1 = COMPOSE_V1_BIN;
    report.push(`compose v1: ${COMPOSE_V1_BIN}`);
  } else {
    env.PODVISOR_TEST_WHY_NO_COMPOSE_V1 = 'docker-compose is not installed (Debian package docker-compose)';
    report.push(`compose v1: MISSING — ${env.PODVISOR_TEST_WHY_NO_COMPOSE_V1}`);
  }
  return { env, report };
}
