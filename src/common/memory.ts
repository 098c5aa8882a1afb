import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

let collect: (() => void) | undefined;

/**
 * Runs a full, compacting garbage collection. A re-match of a large fleet allocates a few hundred
 * megabytes of short-lived objects; V8 keeps the grown heap mapped afterwards, so a service that
 * idles after its start-up re-match would hold that memory for hours. A full collection lets V8
 * return the pages. It pauses the process for tens of milliseconds, so call it only after
 * large batches.
 */
export function releaseMemory(): void {
  if (!collect) {
    // The flag makes V8 define `gc` in contexts created after it is set.
    setFlagsFromString('--expose-gc');
    collect = runInNewContext('gc') as () => void;
  }
  collect();
}
