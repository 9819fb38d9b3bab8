/**
 * What the engine may ask of the file system (kustomizations name files and folders; a chart has
 * templates). The CLI and the extension pass the real one; tests can pass a directory of their own.
 */
import * as fs from 'fs';
import * as path from 'path';
import { fileURLToPath } from 'url';

export interface FileFacts {
  /** `file`, `dir`, or undefined when nothing is there. */
  stat(p: string): 'file' | 'dir' | undefined;
  read(p: string): string | undefined;
  list(dir: string): string[];
}

export const nodeFiles: FileFacts = {
  stat(p) {
    try {
      const s = fs.statSync(p);
      return s.isDirectory() ? 'dir' : s.isFile() ? 'file' : undefined;
    } catch {
      return undefined;
    }
  },
  read(p) {
    try {
      return fs.readFileSync(p, 'utf8');
    } catch {
      return undefined;
    }
  },
  list(dir) {
    try {
      return fs.readdirSync(dir).sort();
    } catch {
      return [];
    }
  },
};

/** The local path of a document key (`file:///x/y.yaml` or `/x/y.yaml`), or undefined (untitled:, git:). */
export function localPath(uri: string): string | undefined {
  if (uri.startsWith('file://')) {
    try {
      return fileURLToPath(uri);
    } catch {
      return undefined;
    }
  }
  return path.isAbsolute(uri) ? uri : undefined;
}

export const KUSTOMIZATION_FILES = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'];

export function isKustomizationPath(p: string): boolean {
  return KUSTOMIZATION_FILES.includes(path.basename(p));
}

/** The kustomization file of a directory, if it has one. */
export function kustomizationIn(files: FileFacts, dir: string): string | undefined {
  for (const f of KUSTOMIZATION_FILES) {
    const p = path.join(dir, f);
    if (files.stat(p) === 'file') return p;
  }
  return undefined;
}
