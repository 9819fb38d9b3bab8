/**
 * The files of a build context as the engine should see them: every file under the folder
 * minus what .dockerignore excludes. Simple patterns only (`*`, `**`, `?`, leading `/`);
 * negations (`!`) are not supported and are ignored, which errs on sending more.
 */
import * as fs from 'fs';
import * as path from 'path';

function ignorePatterns(dir: string): RegExp[] {
  const file = path.join(dir, '.dockerignore');
  if (!fs.existsSync(file)) return [];
  const out: RegExp[] = [];
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    const p = line.trim();
    if (!p || p.startsWith('#') || p.startsWith('!')) continue;
    const re = p
      .replace(/^\/+/, '')
      .replace(/\/+$/, '')
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*\*/g, '\u0000')
      .replace(/\*/g, '[^/]*')
      .replace(/\?/g, '[^/]')
      .replace(/\u0000/g, '.*');
    out.push(new RegExp(`^${re}(/|$)`));
  }
  return out;
}

/** Relative paths (with `/`) of the files under `dir` that go into the build context. */
export function contextFiles(dir: string): string[] {
  const ignore = ignorePatterns(dir);
  return (fs.readdirSync(dir, { recursive: true }) as string[])
    .map((f) => f.split(path.sep).join('/'))
    .filter((f) => !ignore.some((re) => re.test(f)))
    .filter((f) => {
      try {
        return !fs.lstatSync(path.join(dir, f)).isDirectory();
      } catch {
        return false;
      }
    });
}
