import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import path from 'node:path';
import { BosunError } from '../common/errors.js';

/** A held lock; `release` removes the lock file, once. */
export interface DataDirLock {
  release(): void;
}

/**
 * Takes `serve.lock` in the data directory, so that two services never run their monitors over
 * one database: both would scan, sync and send every notice twice. A lock whose process is gone
 * (a kill -9) is taken over.
 *
 * @throws BosunError `server.locked` naming the process that holds the lock.
 */
export function lockDataDir(dataDir: string): DataDirLock {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const file = path.join(dataDir, 'serve.lock');
  for (let attempt = 0; attempt < 2; attempt += 1) {
    try {
      const fd = openSync(file, 'wx', 0o600);
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      let released = false;
      return {
        release() {
          if (released) return;
          released = true;
          rmSync(file, { force: true });
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = Number.parseInt(readFileSync(file, 'utf8').trim(), 10);
      if (Number.isInteger(holder) && holder > 0 && holder !== process.pid && isAlive(holder)) {
        throw new BosunError('server.locked', `data directory ${dataDir} is in use by bosun serve (process ${holder})`, {
          hint: 'stop that service first, or give this one another --data-dir',
        });
      }
      rmSync(file, { force: true });
    }
  }
  throw new BosunError('server.locked', `cannot take the lock ${file}`, { hint: 'remove the file if no bosun serve is running' });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
