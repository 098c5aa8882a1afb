/**
 * Times `catalogueTarget` inside one Node process, without the CLI's start-up: opens the store
 * in DATA_DIR, catalogues TARGET CALLS times in a row and prints one JSON line per call to stdout.
 *
 *   node --import tsx bench/lib/in-process-child.ts DATA_DIR TARGET CALLS
 *
 * bench/lib/in-process.ts runs it as a child. Bosun's modules are imported through tsx before the
 * first timed call. That is the same esbuild transform per file as the shipped bundle, and no
 * module is loaded lazily on the `catalogueTarget` path, so module loading stays out of the times.
 */
import { performance } from 'node:perf_hooks';
import { catalogueTarget } from '../../src/scan/index.js';
import { openStore, type Store } from '../../src/store/index.js';
import type { CallTiming } from './in-process.js';

async function main(argv: string[]): Promise<void> {
  const [dataDir, target, callsText] = argv;
  const calls = Number(callsText);
  if (!dataDir || !target || !Number.isInteger(calls) || calls < 1) {
    throw new Error('usage: node --import tsx bench/lib/in-process-child.ts DATA_DIR TARGET CALLS');
  }

  const store = await openStore({ dataDir });
  try {
    for (let call = 0; call < calls; call++) {
      process.stdout.write(`${JSON.stringify(await timeCall(target, store))}\n`);
    }
  } finally {
    await store.close();
  }
}

async function timeCall(target: string, store: Store): Promise<CallTiming> {
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  const outcome = await catalogueTarget(target, { store });
  const wallMs = performance.now() - started;
  const cpu = process.cpuUsage(cpuBefore);

  return {
    wallMs,
    cpuMs: (cpu.user + cpu.system) / 1000,
    layers: outcome.layers.length,
    cachedLayers: outcome.layers.filter((layer) => layer.cached).length,
    packages: outcome.catalogue.packages.length,
  };
}

await main(process.argv.slice(2));
