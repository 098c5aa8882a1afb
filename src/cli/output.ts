import { randomBytes } from 'node:crypto';
import { rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { InputError } from '../common/errors.js';

/**
 * Writes command output to stdout, or to a file atomically: a temporary file in the same
 * directory, renamed over the target, so a killed run never leaves half a report.
 */
export async function writeOutput(text: string, file?: string): Promise<void> {
  if (!file || file === '-') {
    await new Promise<void>((resolve, reject) => process.stdout.write(text, (error) => (error ? reject(error) : resolve())));
    return;
  }
  const temporary = path.join(path.dirname(file), `.${path.basename(file)}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    await writeFile(temporary, text, { mode: 0o644 });
    await rename(temporary, file);
  } catch (error) {
    await rm(temporary, { force: true });
    throw new InputError(`cannot write ${file}`, { hint: 'check that the directory exists and is writable', cause: error });
  }
}
