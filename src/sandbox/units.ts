/** Parsers for sizes and CPU counts as devcontainer.json, docker and Kubernetes write them. */

const DOCKER_UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  k: 1024,
  kb: 1024,
  m: 1024 ** 2,
  mb: 1024 ** 2,
  g: 1024 ** 3,
  gb: 1024 ** 3,
  t: 1024 ** 4,
  tb: 1024 ** 4,
};

/** "4gb", "512m", "2g" → bytes (devcontainer hostRequirements, docker --memory). */
export function parseDockerSize(s: string): number | undefined {
  const [, num, suffix = ''] = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(s) ?? [];
  if (num === undefined) return undefined;
  const unit = DOCKER_UNITS[suffix.toLowerCase()];
  return unit === undefined ? undefined : Math.round(Number(num) * unit);
}

const KUBE_UNITS: Record<string, number> = {
  '': 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  Ki: 1024,
  Mi: 1024 ** 2,
  Gi: 1024 ** 3,
  Ti: 1024 ** 4,
};

/** Kubernetes quantity for memory ("128Mi", "1G", "1e9") → bytes. */
export function parseKubeMemory(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v !== 'string') return undefined;
  const [, num, suffix = ''] = /^\s*(\d+(?:\.\d+)?(?:e\d+)?)\s*([a-zA-Z]*)\s*$/.exec(v) ?? [];
  if (num === undefined) return undefined;
  const unit = KUBE_UNITS[suffix];
  return unit === undefined ? undefined : Math.round(Number(num) * unit);
}

/** Kubernetes CPU quantity ("500m", "2", 1.5) → cores. */
export function parseKubeCpu(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v !== 'string') return undefined;
  const m = /^\s*(\d+(?:\.\d+)?)(m?)\s*$/.exec(v);
  if (!m) return undefined;
  return m[2] ? Number(m[1]) / 1000 : Number(m[1]);
}
