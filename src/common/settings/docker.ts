import { type SettingReader, str } from './read';

/** `podvisor.docker.*` — owned by the containers feature. */
export interface DockerSettings {
  /** Explicit engine endpoint (`unix:///…`, `tcp://…`); empty means discover like the docker CLI. */
  readonly host: string;
}

export function readDockerSettings(get: SettingReader): DockerSettings {
  return { host: str(get, 'podvisor.docker.host', '') };
}
