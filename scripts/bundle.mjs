#!/usr/bin/env node
// Bundles the CLI into dist/ with esbuild. Node 20's ES module loader spends about half a second
// opening the thousand files of Bosun's dependencies on every start; a bundle starts in a
// fraction of that. Code splitting keeps on-demand imports (SBOM writers, the PostgreSQL
// driver) out of the start-up path.
import { chmodSync, mkdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { build } from 'esbuild';

const pkg = JSON.parse(readFileSync('package.json', 'utf8'));

// Native addons cannot be bundled; the CycloneDX library finds its schema files relative to its
// own folder; pg-native is an optional plugin of pg that Bosun does not use.
const external = ['better-sqlite3', 'zstd-napi', 'pg-native', '@cyclonedx/cyclonedx-library'];

rmSync('dist', { recursive: true, force: true });
await build({
  entryPoints: { bosun: 'src/cli/main.ts' },
  outdir: 'dist',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: 'linked',
  external,
  define: { __BOSUN_VERSION__: JSON.stringify(pkg.version) },
  // CommonJS dependencies call require() for Node built-ins, which an ES module lacks.
  banner: { js: "import { createRequire as __bosunCreateRequire } from 'node:module'; const require = __bosunCreateRequire(import.meta.url);" },
  chunkNames: 'chunks/[name]-[hash]',
  logLevel: 'warning',
});
chmodSync('dist/bosun.js', 0o755);

// npm links the bins of dependencies, not of the project itself, so `npx bosun` in a checkout
// needs this link.
mkdirSync('node_modules/.bin', { recursive: true });
rmSync('node_modules/.bin/bosun', { force: true });
symlinkSync('../../dist/bosun.js', 'node_modules/.bin/bosun');
