import { type SettingReader, bool, num, oneOf, str } from './read';

/** `podvisor.docker.*` — owned by the containers feature. */
export interface DockerSettings {
  /** Explicit engine endpoint (`unix:///…`, `tcp://…`); empty means discover like the docker CLI. */
  readonly host: string;
  /** A Docker context name to use instead of the CLI's current one; empty = the CLI's. */
  readonly context: string;
  readonly groupBy: 'composeProject' | 'state' | 'runtime' | 'none';
  readonly sortBy: 'name' | 'created' | 'state' | 'image';
  readonly showDanglingImages: boolean;
  /** Lines of history shown when following logs; -1 = all. */
  readonly logsTail: number;
  /** Safety re-listing period while the view is visible, seconds; 0 = off. */
  readonly safetyPollSeconds: number;
}

export function readDockerSettings(get: SettingReader): DockerSettings {
  return {
    host: str(get, 'podvisor.docker.host', ''),
    context: str(get, 'podvisor.docker.context', ''),
    groupBy: oneOf(
      get,
      'podvisor.docker.containers.groupBy',
      ['composeProject', 'state', 'runtime', 'none'] as const,
      'composeProject',
    ),
    sortBy: oneOf(
      get,
      'podvisor.docker.containers.sortBy',
      ['name', 'created', 'state', 'image'] as const,
      'name',
    ),
    showDanglingImages: bool(get, 'podvisor.docker.images.showDangling', false),
    logsTail: Math.round(num(get, 'podvisor.docker.logs.tail', 500, -1, 1_000_000)),
    safetyPollSeconds: Math.round(num(get, 'podvisor.docker.safetyPollSeconds', 60, 0, 3600)),
  };
}
