/** Shared by the fuzz tests: a seeded generator and mutations aimed at parsers and position arithmetic. */
import { at } from '../../harness/pick';

export function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const PIECES = [
  '---\n',
  '...\n',
  '\n',
  '\t',
  '  ',
  ': ',
  '- ',
  '"',
  "'",
  '{',
  '}',
  '[',
  ']',
  '&a ',
  '*a',
  '!!str ',
  '? ',
  '|\n',
  '>-\n',
  '#',
  '%YAML 1.2\n',
  '${IMAGE}',
  '{{ .Values.x }}',
  '{% if x %}',
  '😀',
  '\r\n',
  '\u0000',
  'runStrategy: Sometimes\n',
  'running: true\n',
  'bootOrder: 1\n',
  'memory: 1Xi\n',
  'image: "Bad Image"\n',
  'userData: |\n  #cloud-config\n  a: [\n',
  'apiVersion: kubevirt.io/v1alpha3\n',
  'kind: VirtualMachine\n',
  'name: x\n',
  '- name: y\n',
];

/** A random element of a non-empty list. */
export function pick<T>(xs: readonly T[], r: () => number): T {
  return at(xs, Math.floor(r() * xs.length));
}

export function mutate(text: string, r: () => number): string {
  const n = 1 + Math.floor(r() * 3);
  for (let k = 0; k < n; k++) {
    const pos = Math.floor(r() * (text.length + 1));
    const op = Math.floor(r() * 6);
    if (op === 0)
      text = text.slice(0, pos) + text.slice(Math.min(text.length, pos + 1 + Math.floor(r() * 40)));
    else if (op === 1) text = text.slice(0, pos) + pick(PIECES, r) + text.slice(pos);
    else if (op === 2) {
      const lines = text.split('\n');
      lines.splice(Math.floor(r() * lines.length), 0, pick(lines, r));
      text = lines.join('\n');
    } else if (op === 3) {
      const lines = text.split('\n');
      const i = Math.floor(r() * lines.length);
      const line = at(lines, i);
      lines[i] = r() < 0.5 ? '  ' + line : line.replace(/^ {1,2}/, '');
      text = lines.join('\n');
    } else if (op === 4)
      text = text.slice(0, pos) + String.fromCharCode(32 + Math.floor(r() * 95)) + text.slice(pos + 1);
    else text = text.slice(0, pos);
  }
  return text;
}
