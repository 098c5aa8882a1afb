import { readFileSync } from 'node:fs';

/** Set by the bundler (scripts/bundle.mjs); undefined when running from source. */
declare const __BOSUN_VERSION__: string | undefined;

/** Bosun's version: from the bundle, or read once from package.json when running from source. */
export const bosunVersion: string =
  typeof __BOSUN_VERSION__ === 'string'
    ? __BOSUN_VERSION__
    : (() => {
        try {
          const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string };
          return pkg.version ?? '0.0.0';
        } catch {
          return '0.0.0';
        }
      })();
