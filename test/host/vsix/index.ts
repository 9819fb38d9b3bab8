// extensionTestsPath for the packaged-extension suite: the same runner, on the files next to this bundle.
import { runSuitesIn } from '../index';

export function run(): Promise<void> {
  return runSuitesIn(__dirname);
}
