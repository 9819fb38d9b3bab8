/**
 * Compose projects through the real Compose CLI users have: `docker compose` (v2) or
 * `docker-compose` (1.29), chosen by a setting or found ("auto": v2 when `docker compose version`
 * answers). Every action is an argument array run by the process runner, against one engine
 * (DOCKER_HOST and its TLS variables), with output streamed line by line and the AbortSignal
 * stopping the whole process tree.
 *
 * Nothing is left half-done: `up` first checks the file (`config -q`, the CLI's own message for
 * a broken file), and when `up` fails for a project that had no containers before, it is taken
 * down again.
 */
import * as path from 'path';
import { UserError } from '../../common/errors';
import type { ProcessHandle, Runner } from '../../common/process';

export type ComposeFlavor = 'v2' | 'v1';
export type ComposeSetting = 'auto' | 'docker compose' | 'docker-compose';

export interface ComposeEngine {
  /** DOCKER_HOST of the engine the project runs on. */
  readonly host: string;
  readonly tlsDir?: string;
  readonly tlsVerify?: boolean;
}

export interface ComposeCli {
  readonly flavor: ComposeFlavor;
  /** The program and the arguments before Compose's own (`docker` + `compose`, or `docker-compose`). */
  readonly command: string;
  readonly prefix: readonly string[];
}

/** A project as the CLI addresses it: by name, or by its files (and folder). */
export interface ComposeProject {
  readonly name?: string;
  /** Compose files (`-f`), absolute. */
  readonly files?: readonly string[];
  /** `--project-directory` (defaults to the first file's folder). */
  readonly workingDir?: string;
}

export interface ComposeEnv {
  readonly runner: Runner;
  readonly engine: ComposeEngine;
  /** The docker CLI (for `docker compose`); `docker` on PATH by default. */
  readonly dockerPath?: string;
  readonly composePath?: string;
  /** Extra environment (DOCKER_CONFIG for where CLI plugins live, say). */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

type Sig = { signal?: AbortSignal; onLine?: (line: string) => void };

/** Project names: what Compose accepts (lowercase letters, digits, `-`, `_`). */
export const PROJECT_RE = /^[a-z0-9][a-z0-9_-]*$/;
/** Service and profile names as Compose allows them. */
export const SERVICE_RE = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

function checkNames(names: readonly string[] | undefined, what: string): readonly string[] {
  for (const n of names ?? [])
    if (!SERVICE_RE.test(n) && !(what === 'profile' && n === '*'))
      throw new UserError(`Not a ${what} name: ${JSON.stringify(n)}`);
  return names ?? [];
}

export function engineEnv(e: ComposeEnv): Record<string, string | undefined> {
  return {
    ...e.env,
    DOCKER_HOST: e.engine.host,
    DOCKER_TLS_VERIFY: e.engine.tlsVerify ? '1' : undefined,
    DOCKER_CERT_PATH: e.engine.tlsVerify ? e.engine.tlsDir : undefined,
    // Plain progress lines: a pipe is not a terminal, and ANSI redraws are noise there.
    COMPOSE_ANSI: 'never',
    COMPOSE_PROGRESS: 'plain',
    // A project name from the caller wins over one from the environment.
    COMPOSE_PROJECT_NAME: undefined,
  };
}

/** Finds the CLI for a setting: `auto` asks `docker compose version`, then falls back to docker-compose. */
export async function resolveComposeCli(
  e: ComposeEnv,
  setting: ComposeSetting,
  signal?: AbortSignal,
): Promise<ComposeCli> {
  const docker = e.dockerPath || 'docker';
  const v1 = e.composePath || 'docker-compose';
  const v2cli: ComposeCli = { flavor: 'v2', command: docker, prefix: ['compose'] };
  const v1cli: ComposeCli = { flavor: 'v1', command: v1, prefix: [] };
  if (setting === 'docker compose') return v2cli;
  if (setting === 'docker-compose') return v1cli;
  const ok = await e.runner
    .run(
      {
        command: docker,
        args: ['compose', 'version'],
        env: engineEnv(e),
        timeoutMs: 10_000,
        okExitCodes: 'any',
      },
      signal,
    )
    .then((r) => r.exitCode === 0 && /compose/i.test(r.stdout))
    .catch(() => false);
  if (ok) return v2cli;
  const old = await e.runner
    .run(
      { command: v1, args: ['version', '--short'], env: engineEnv(e), timeoutMs: 10_000, okExitCodes: 'any' },
      signal,
    )
    .then((r) => r.exitCode === 0)
    .catch(() => false);
  if (old) return v1cli;
  throw new UserError(
    'No Compose CLI found: neither `docker compose` (the Docker CLI with the compose plugin) nor `docker-compose` runs. Install one, or set podvisor.compose.command.',
  );
}

/** `-p name -f a.yml --project-directory dir` (each only when known). */
export function projectArgs(p: ComposeProject): string[] {
  const args: string[] = [];
  if (p.name) {
    if (!PROJECT_RE.test(p.name))
      throw new UserError(`Not a Compose project name: ${JSON.stringify(p.name)}`);
    args.push('-p', p.name);
  }
  for (const f of p.files ?? []) {
    if (!path.isAbsolute(f)) throw new UserError(`Compose file paths must be absolute: ${f}`);
    args.push('-f', f);
  }
  const dir = p.workingDir ?? (p.files?.[0] ? path.dirname(p.files[0]) : undefined);
  if (dir && p.files?.length) args.push('--project-directory', dir);
  if (!args.length) throw new UserError('A Compose project needs a name or a compose file');
  return args;
}

export class Compose {
  constructor(
    readonly cli: ComposeCli,
    private readonly e: ComposeEnv,
  ) {}

  private label(verb: string): string {
    return `${this.cli.flavor === 'v2' ? 'docker compose' : 'docker-compose'} ${verb}`;
  }

  /** Runs one Compose command to its end, streaming its lines (stdout and stderr: progress is on stderr). */
  async exec(
    p: ComposeProject,
    verb: string,
    args: readonly string[],
    o: Sig & { profiles?: readonly string[] } = {},
  ): Promise<void> {
    const profiles = checkNames(o.profiles, 'profile').flatMap((x) => ['--profile', x]);
    const h = this.e.runner.start(
      {
        command: this.cli.command,
        args: [...this.cli.prefix, ...projectArgs(p), ...profiles, verb, ...args],
        env: engineEnv(this.e),
        cwd: p.workingDir ?? (p.files?.[0] ? path.dirname(p.files[0]) : undefined),
        label: this.label(verb),
        stdout: 'pipe',
        stderr: 'pipe',
        graceMs: 5000,
      },
      o.signal,
    );
    streamLines(h, o.onLine);
    await h.done();
  }

  /** `config -q`: the CLI's own verdict on the file, before anything is started. */
  async check(p: ComposeProject, o: Sig & { profiles?: readonly string[] } = {}): Promise<void> {
    await this.exec(p, 'config', ['-q'], o);
  }

  /** Service names of the project's file(s). */
  async services(p: ComposeProject, o: Sig & { profiles?: readonly string[] } = {}): Promise<string[]> {
    const profiles = checkNames(o.profiles, 'profile').flatMap((x) => ['--profile', x]);
    const r = await this.e.runner.run(
      {
        command: this.cli.command,
        args: [...this.cli.prefix, ...projectArgs(p), ...profiles, 'config', '--services'],
        env: engineEnv(this.e),
        label: this.label('config'),
        timeoutMs: 60_000,
      },
      o.signal,
    );
    return r.stdout
      .split('\n')
      .map((s) => s.trim())
      .filter(Boolean);
  }

  /**
   * `up -d` (all services, or the ones named; with profiles). Checks the file first; if `up`
   * fails or is cancelled and the project had no containers before, takes it down again.
   * `hadContainers` comes from the caller's view of the engine.
   */
  async up(
    p: ComposeProject,
    o: Sig & {
      services?: readonly string[];
      profiles?: readonly string[];
      build?: boolean;
      hadContainers: boolean;
    },
  ): Promise<void> {
    const services = checkNames(o.services, 'service');
    await this.check(p, o);
    const args = ['-d', ...(o.build ? ['--build'] : []), '--', ...services];
    try {
      await this.exec(p, 'up', args, o);
    } catch (e) {
      if (!o.hadContainers) {
        // Undo what this `up` created; never touch a project that was there before.
        await this.down(p, { onLine: o.onLine }).catch(() => undefined);
      }
      throw e;
    }
  }

  /**
   * Takes the whole project down. v2 leaves the containers of services whose profile is not
   * enabled; `--profile *` enables every profile, so `down` means all of it (v1 removes them anyway).
   */
  async down(p: ComposeProject, o: Sig & { volumes?: boolean } = {}): Promise<void> {
    const profiles = this.cli.flavor === 'v2' ? ['*'] : [];
    await this.exec(p, 'down', ['--remove-orphans', ...(o.volumes ? ['--volumes'] : [])], { ...o, profiles });
  }

  async stop(p: ComposeProject, o: Sig & { services?: readonly string[] } = {}): Promise<void> {
    await this.exec(p, 'stop', ['--', ...checkNames(o.services, 'service')], o);
  }

  async start(p: ComposeProject, o: Sig & { services?: readonly string[] } = {}): Promise<void> {
    await this.exec(p, 'start', ['--', ...checkNames(o.services, 'service')], o);
  }

  async restart(p: ComposeProject, o: Sig & { services?: readonly string[] } = {}): Promise<void> {
    await this.exec(p, 'restart', ['--', ...checkNames(o.services, 'service')], o);
  }

  /** `logs -f --tail N` as a long-lived process (a terminal shows it; stopping it ends the follow). */
  logs(
    p: ComposeProject,
    o: { services?: readonly string[]; tail?: number; follow?: boolean; signal?: AbortSignal } = {},
  ): ProcessHandle {
    const args = [
      'logs',
      '--no-color',
      ...(o.follow !== false ? ['-f'] : []),
      '--tail',
      o.tail !== undefined && o.tail >= 0 ? String(o.tail) : 'all',
    ];
    return this.e.runner.start(
      {
        command: this.cli.command,
        args: [...this.cli.prefix, ...projectArgs(p), ...args, '--', ...checkNames(o.services, 'service')],
        env: engineEnv(this.e),
        label: this.label('logs'),
        stdout: 'pipe',
        stderr: 'pipe',
      },
      o.signal,
    );
  }
}

/** Calls `onLine` for every line either stream prints. */
export function streamLines(h: ProcessHandle, onLine: ((line: string) => void) | undefined): void {
  if (!onLine) {
    h.stdout?.resume();
    return;
  }
  for (const s of [h.stdout, h.stderr]) {
    if (!s) continue;
    let buf = '';
    s.setEncoding('utf8');
    s.on('data', (d: string) => {
      buf += d;
      let i: number;
      while ((i = buf.search(/\r?\n|\r/)) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + (buf[i] === '\r' && buf[i + 1] === '\n' ? 2 : 1));
        if (line.trim()) onLine(line);
      }
    });
    s.on('end', () => {
      if (buf.trim()) onLine(buf);
      buf = '';
    });
  }
}

/** Labels Compose (v1 and v2) puts on every container of a project. */
export const COMPOSE_LABELS = {
  project: 'com.docker.compose.project',
  service: 'com.docker.compose.service',
  workingDir: 'com.docker.compose.project.working_dir',
  configFiles: 'com.docker.compose.project.config_files',
} as const;

/** The project of a container, from its labels (files and folder as Compose recorded them). */
export function projectOfLabels(labels: Readonly<Record<string, string>>): ComposeProject | undefined {
  const name = labels[COMPOSE_LABELS.project];
  if (!name) return undefined;
  const dir = labels[COMPOSE_LABELS.workingDir];
  const files = (labels[COMPOSE_LABELS.configFiles] ?? '')
    .split(',')
    .map((f) => f.trim())
    .filter(Boolean)
    .map((f) => (path.isAbsolute(f) || !dir ? f : path.join(dir, f)));
  // Only a name: a project whose files are gone can still be stopped and taken down by name.
  return { name, files: files.filter((f) => path.isAbsolute(f)), workingDir: dir || undefined };
}
