/**
 * The in-process measurement of the scan benchmark: cold and warm `catalogueTarget` without the
 * CLI's start-up. The target "a warm rescan costs at most a tenth of a cold scan" is about the
 * scan work, and a CLI run also pays Node's start-up, which no cache removes.
 *
 * One run uses a fresh data dir and two children (bench/lib/in-process-child.ts):
 *   - the first times a cold call, then a warm call in the same process;
 *   - the second times one more warm call in a new process, so its JIT and caches start cold
 *     as in a CLI run, but module loading is still left out.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { median, runUnmeasured } from './measure.js';
import { offlineEnv, ROOT } from './setting.js';

const CHILD = path.join(ROOT, 'bench/lib/in-process-child.ts');
const CHILD_TIMEOUT_MS = 10 * 60_000;

/** One timed `catalogueTarget` call, as the child prints it on stdout. */
export interface CallTiming {
  wallMs: number;
  /** User plus system CPU time of the whole process during the call, GC and libuv threads included. */
  cpuMs: number;
  layers: number;
  cachedLayers: number;
  packages: number;
}

/** The three calls of one in-process run. */
export interface InProcessRun {
  cold: CallTiming;
  warm: CallTiming;
  warmNewProcess: CallTiming;
}

/** Medians of one kind of call over every successful run. */
export interface CallSummary {
  wallMedianMs: number;
  wallMinMs: number;
  cpuMedianMs: number;
}

/** Medians of each kind of call over the successful runs, with the runs and the failure messages. */
export interface InProcessSummary {
  runs: InProcessRun[];
  failures: string[];
  cold: CallSummary;
  warm: CallSummary;
  warmNewProcess: CallSummary;
  packages: number;
}

/** Runs the cold and warm calls once in `scratch`, which must be empty. Rejects when a child fails or a call is not cold or warm as expected. */
export async function runInProcessOnce(target: string, scratch: string): Promise<InProcessRun> {
  const dataDir = path.join(scratch, 'data');
  mkdirSync(dataDir, { recursive: true });

  const [cold, warm] = await runChild(dataDir, target, 2);
  const [warmNewProcess] = await runChild(dataDir, target, 1);
  if (!cold || !warm || !warmNewProcess) throw new Error('in-process child printed fewer calls than requested');

  if (cold.cachedLayers !== 0) throw new Error(`cold call found ${cold.cachedLayers} cached layers in a fresh data dir`);
  for (const call of [warm, warmNewProcess]) {
    if (call.cachedLayers !== call.layers) throw new Error(`warm call found ${call.cachedLayers} of ${call.layers} layers cached`);
    if (call.packages !== cold.packages) throw new Error(`warm call listed ${call.packages} packages, the cold call ${cold.packages}`);
  }
  return { cold, warm, warmNewProcess };
}

/** Summarises the successful runs. `failures` are the messages of the failed ones. */
export function summariseInProcess(runs: InProcessRun[], failures: string[]): InProcessSummary {
  const summary = (pick: (run: InProcessRun) => CallTiming): CallSummary => {
    const calls = runs.map(pick);
    if (calls.length === 0) return { wallMedianMs: NaN, wallMinMs: NaN, cpuMedianMs: NaN };
    return {
      wallMedianMs: median(calls.map((call) => call.wallMs)),
      wallMinMs: Math.min(...calls.map((call) => call.wallMs)),
      cpuMedianMs: median(calls.map((call) => call.cpuMs)),
    };
  };
  return {
    runs,
    failures,
    cold: summary((run) => run.cold),
    warm: summary((run) => run.warm),
    warmNewProcess: summary((run) => run.warmNewProcess),
    packages: runs[0]?.cold.packages ?? 0,
  };
}

async function runChild(dataDir: string, target: string, calls: number): Promise<CallTiming[]> {
  const argv = [process.execPath, '--import', 'tsx', CHILD, dataDir, target, String(calls)];
  // The cwd lets `--import tsx` resolve from the repository's node_modules.
  const result = await runUnmeasured(argv, { cwd: ROOT, env: offlineEnv(), timeoutMs: CHILD_TIMEOUT_MS });
  if (result.exitCode !== 0) throw new Error(`in-process child failed (exit ${result.exitCode}): ${result.stderr.trim().split('\n').slice(-6).join('\n')}`);

  return result.stdout
    .trim()
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => JSON.parse(line) as CallTiming);
}
