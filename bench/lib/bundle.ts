/**
 * Bundles the built CLI into one file with esbuild, as an experiment: how much of Bosun's
 * start-up is the ES module loader opening about a thousand files? Bosun does not ship this
 * bundle, and it lives only in bench/out.
 *
 * esbuild comes with tsx (a dev dependency), so the experiment needs no new package.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { OUT, ROOT } from './setting.js';

/** Packages left out of the bundle: native addons, and optional plugins that are not installed. */
const EXTERNAL = ['better-sqlite3', 'zstd-napi', 'pg-native', 'xmlbuilder2', 'libxmljs2'];

/** Builds bench/out/bundle/cli/main.mjs from dist/cli/main.js and returns its path. */
export function buildBundle(): string {
  const output = path.join(OUT, 'bundle/cli/main.mjs');
  mkdirSync(path.dirname(output), { recursive: true });

  // The CommonJS packages inside an ES module bundle need `require`. Only the CycloneDX library
  // reads `__dirname`, to find its JSON schemas, so it gets that package's folder.
  const cyclonedx = path.join(ROOT, 'node_modules/@cyclonedx/cyclonedx-library/dist.node');
  const banner = [
    "import { createRequire as bundleCreateRequire } from 'node:module';",
    'const require = bundleCreateRequire(import.meta.url);',
    `const __dirname = ${JSON.stringify(cyclonedx)};`,
    "const __filename = __dirname + '/index.node.js';",
  ].join(' ');
  execFileSync(
    path.join(ROOT, 'node_modules/.bin/esbuild'),
    [
      path.join(ROOT, 'dist/cli/main.js'), '--bundle', '--platform=node', '--format=esm', '--target=node20',
      `--outfile=${output}`, `--banner:js=${banner}`, '--log-level=error', ...EXTERNAL.map((name) => `--external:${name}`),
    ],
    { stdio: ['ignore', 'inherit', 'inherit'] },
  );

  // The externals resolve from the repository's node_modules, a few folders up. `bosunVersion`
  // reads package.json two folders above the bundle.
  copyFileSync(path.join(ROOT, 'package.json'), path.join(OUT, 'package.json'));
  return output;
}
