import { readFileSync } from 'node:fs';

/** Bosun's version, read once from package.json (two levels above both src/common and dist/common). */
export const bosunVersion: string = (() => {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string };
    return pkg.version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
})();
