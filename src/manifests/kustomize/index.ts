/**
 * Which files kustomizations list, and as what: a file listed under `resources` is a fragment
 * (kustomize fills in names, namespaces and the images it rewrites), one under `patches` a patch of
 * its target. Fed with kustomization files (their path and text) by whoever knows the workspace:
 * the editor scans and watches it, the CLI reads the folders it is given.
 */
import * as path from 'path';
import { parseDocument } from '../yamlFns';
import { kustomizationIn, type FileFacts } from '../files';
import { get, mapItems, str } from '../rules/context';
import { kustomizeReferences, type KustomizeRole, type PatchTarget } from './references';

export interface FileRole {
  role: KustomizeRole;
  target?: PatchTarget;
  /** Image names rewritten by an `images:` entry of a kustomization that includes this file. */
  images: ReadonlySet<string>;
  /** The kustomization that lists the file. */
  by: string;
}

interface Entry {
  refs: { abs: string; role: KustomizeRole; target?: PatchTarget }[];
  images: string[];
}

export class KustomizeIndex {
  private readonly entries = new Map<string, Entry>();
  private roles?: Map<string, FileRole>;
  /** Bumped on every change (callers compare it to know roles may have moved). */
  generation = 0;

  constructor(private readonly files?: FileFacts) {}

  /** Adds, replaces (text) or removes (undefined) the kustomization at a local path. */
  update(file: string, text: string | undefined): void {
    const before = this.entries.get(file);
    if (text === undefined) {
      if (!before) return;
      this.entries.delete(file);
    } else {
      const e = parse(file, text);
      if (before && JSON.stringify(before) === JSON.stringify(e)) return;
      this.entries.set(file, e);
    }
    this.roles = undefined;
    this.generation++;
  }

  has(file: string): boolean {
    return this.entries.has(file);
  }

  kustomizations(): string[] {
    return [...this.entries.keys()].sort();
  }

  /** What the kustomizations say a file is (undefined: no kustomization lists it). */
  roleOf(file: string): FileRole | undefined {
    this.roles ??= this.compute();
    return this.roles.get(file);
  }

  private compute(): Map<string, FileRole> {
    const roles = new Map<string, FileRole>();
    // Images an overlay rewrites apply to every file of the bases it includes.
    const inherited = new Map<string, Set<string>>();
    const imagesOf = (k: string, seen = new Set<string>()): Set<string> => {
      const cached = inherited.get(k);
      if (cached) return cached;
      const own = new Set(this.entries.get(k)?.images ?? []);
      seen.add(k);
      for (const [other, e] of this.entries) {
        if (seen.has(other)) continue;
        const dir = path.dirname(k);
        if (e.refs.some((r) => (r.role === 'resource' || r.role === 'component') && r.abs === dir))
          for (const i of imagesOf(other, seen)) own.add(i);
      }
      inherited.set(k, own);
      return own;
    };
    for (const [k, e] of this.entries) {
      for (const r of e.refs) {
        if (r.role === 'file') continue;
        // A folder is itself a kustomization: its files get their roles from it.
        if (this.files?.stat(r.abs) === 'dir') {
          const inner = kustomizationIn(this.files, r.abs);
          if (inner && !this.entries.has(inner)) {
            const text = this.files.read(inner);
            if (text !== undefined) {
              this.entries.set(inner, parse(inner, text));
              return this.compute();
            }
          }
          continue;
        }
        const prev = roles.get(r.abs);
        // A patch role is more specific than a resource one.
        if (prev && prev.role !== 'resource') continue;
        roles.set(r.abs, {
          role: r.role,
          ...(r.target ? { target: r.target } : {}),
          images: imagesOf(k),
          by: k,
        });
      }
    }
    return roles;
  }
}

function parse(file: string, text: string): Entry {
  const dir = path.dirname(file);
  let root: unknown;
  try {
    root = parseDocument(text, { uniqueKeys: false, prettyErrors: false }).contents;
  } catch {
    return { refs: [], images: [] };
  }
  const { refs } = kustomizeReferences(root);
  const images: string[] = [];
  for (const [m] of mapItems(get(root, 'images'))) {
    const n = str(get(m, 'name'));
    if (n) images.push(n);
  }
  return {
    refs: refs.map((r) => ({
      abs: path.resolve(dir, r.path),
      role: r.role,
      ...(r.target ? { target: r.target } : {}),
    })),
    images,
  };
}
