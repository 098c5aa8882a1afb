/**
 * Summarises a V8 `.cpuprofile` (written by `node --cpu-prof`) by where the time went: self time
 * per npm package, per Bosun source folder, and for Node internals, garbage collection and idle.
 * Frames in a bundle with a `.map` file beside it (dist/bosun.js) are mapped back to their source
 * file first, so the bundle splits into the same packages and folders.
 *
 *   npx tsx bench/lib/profile-summary.ts PROFILE.cpuprofile [rows]
 */
import { existsSync, readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

interface ProfileNode {
  id: number;
  /** `lineNumber` and `columnNumber` are 0-based, as `SourceMap.findEntry` takes them. */
  callFrame: { functionName: string; url: string; lineNumber?: number; columnNumber?: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Self time of one bucket, in milliseconds. */
export interface ProfileBucket {
  bucket: string;
  selfMs: number;
}

/**
 * Sums self time per bucket (package, source folder or V8 pseudo-frame), largest first. Time in
 * Node internals and native code goes to the nearest calling package or source folder, so that
 * hashing and stream plumbing show up under the code that asked for them. Internal time with no
 * such caller is mostly the ES module loader reading and compiling files at start-up.
 */
export function summariseProfile(profile: CpuProfile): ProfileBucket[] {
  const parentOf = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id);
  const frames = new Map(profile.nodes.map((node) => [node.id, node.callFrame]));

  const bucketOf = new Map<number, string>();
  for (const node of profile.nodes) bucketOf.set(node.id, attributedBucket(node.id, frames, parentOf));

  const totals = new Map<string, number>();
  profile.samples.forEach((nodeId, index) => {
    const bucket = bucketOf.get(nodeId) ?? '(unknown)';
    // timeDeltas[i] is the gap, in microseconds, before sample i.
    totals.set(bucket, (totals.get(bucket) ?? 0) + (profile.timeDeltas[index] ?? 0) / 1000);
  });
  return [...totals.entries()].map(([bucket, selfMs]) => ({ bucket, selfMs })).sort((a, b) => b.selfMs - a.selfMs);
}

function attributedBucket(id: number, frames: Map<number, ProfileNode['callFrame']>, parentOf: Map<number, number>): string {
  const own = bucketFor(frames.get(id) ?? { functionName: '(unknown)', url: '' });
  if (own !== 'node internals' && own !== '(native)') return own;

  // Bundle helpers are skipped as callers: time under them counts for the next source folder
  // up, or as module loading when there is none.
  for (let current = parentOf.get(id); current !== undefined; current = parentOf.get(current)) {
    const caller = bucketFor(frames.get(current) ?? { functionName: '(unknown)', url: '' });
    if (caller !== 'node internals' && caller !== '(native)' && caller !== BUNDLE_HELPERS && !caller.startsWith('(')) return `${caller} (in node)`;
  }
  return 'node internals, no caller (module loading, event loop)';
}

function bucketFor(frame: ProfileNode['callFrame']): string {
  const { functionName } = frame;
  if (frame.url === '') return functionName.startsWith('(') ? functionName : '(native)';
  if (frame.url.startsWith('node:')) return 'node internals';

  const mapped = originalSource(frame);
  // esbuild's own helpers, such as the wrapper that runs a bundled CommonJS module's body on its
  // first require, have no source in the map.
  if (mapped === undefined && sourceMaps.get(fileOf(frame.url)) !== undefined) return BUNDLE_HELPERS;
  const url = mapped ?? frame.url;
  const modules = url.lastIndexOf('/node_modules/');
  if (modules >= 0) {
    const parts = url.slice(modules + '/node_modules/'.length).split('/');
    return parts[0]?.startsWith('@') ? `${parts[0]}/${parts[1]}` : (parts[0] ?? url);
  }
  const source = /(?:^|\/)(?:dist|src)\/([^/]+)\//.exec(url);
  if (source) return `bosun ${source[1]}/`;
  return url;
}

const BUNDLE_HELPERS = 'bundle helpers (esbuild require and module wrappers)';
const sourceMaps = new Map<string, SourceMap | undefined>();

/** Maps a frame in a bundle back to the source file it came from, when the bundle has a `.map` file beside it. */
function originalSource(frame: ProfileNode['callFrame']): string | undefined {
  if (!frame.url.startsWith('file:') || frame.lineNumber === undefined || frame.columnNumber === undefined) return undefined;
  const file = fileOf(frame.url);
  if (!sourceMaps.has(file)) {
    const mapFile = `${file}.map`;
    sourceMaps.set(file, existsSync(mapFile) ? new SourceMap(JSON.parse(readFileSync(mapFile, 'utf8')) as ConstructorParameters<typeof SourceMap>[0]) : undefined);
  }

  const entry = sourceMaps.get(file)?.findEntry(frame.lineNumber, frame.columnNumber);
  // findEntry returns {} where the map has no entry for the position.
  if (!entry || !('originalSource' in entry) || !entry.originalSource) return undefined;
  return path.resolve(path.dirname(file), entry.originalSource);
}

function fileOf(url: string): string {
  return url.startsWith('file:') ? fileURLToPath(url) : url;
}

function main(argv: string[]): void {
  const [file, rows = '25'] = argv;
  if (!file) {
    process.stderr.write('usage: npx tsx bench/lib/profile-summary.ts PROFILE.cpuprofile [rows]\n');
    process.exitCode = 2;
    return;
  }
  const buckets = summariseProfile(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile);
  const total = buckets.reduce((sum, entry) => sum + entry.selfMs, 0);
  process.stdout.write(`total sampled ${total.toFixed(0)} ms\n`);
  for (const entry of buckets.slice(0, Number(rows))) {
    process.stdout.write(`${entry.selfMs.toFixed(0).padStart(7)} ms  ${((100 * entry.selfMs) / total).toFixed(1).padStart(5)} %  ${entry.bucket}\n`);
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) main(process.argv.slice(2));
