import path from 'node:path';
import type { Warning } from '../../common/errors.js';
import { DotenvError, parseDotenv } from './dotenv.js';
import { interpolate, InterpolationError, type VariableLookup } from './interpolate.js';
import { isMapping, type Mapping } from './normalise.js';
import { ComposeError, parseComposeText, readLimitedText, type ComposeSource } from './source.js';

/** Maximum depth of `include` and `extends` chains; deeper ones are taken as runaway input. */
export const MAX_LOAD_DEPTH = 32;

/**
 * Maximum compose files read for one project, counting repeats. Includes may fan out, so a
 * few small files that include each other many times over would otherwise be read
 * exponentially often.
 */
export const MAX_FILE_READS = 1000;

/** State shared while one project loads, across its included projects. */
export interface LoadContext {
  environment: Record<string, string | undefined>;
  /** Every file parsed, by absolute path, in the order first read. */
  sources: Map<string, ComposeSource>;
  /** Interpolated models of files read through `extends: { file }`, by absolute path. */
  extended: Map<string, Mapping>;
  warnings: Warning[];
  /** Variables already warned about, so that each unset one is reported once. */
  unsetReported: Set<string>;
  /** Compose files read so far, counting repeats; bounded by MAX_FILE_READS. */
  reads: number;
}

/** A project or included project being loaded: where its relative paths start and what it interpolates from. */
export interface ProjectScope {
  directory: string;
  lookup: VariableLookup;
  /** Files being included on the way here, outermost first, for cycle detection. */
  includeChain: string[];
}

/**
 * Builds the variable lookup of a project: the environment first, then the env files in order
 * (a later file overrides an earlier one). A missing default `.env` is not an error, but a
 * missing file named explicitly is.
 */
export async function projectLookup(context: LoadContext, envFiles: string[], required: boolean): Promise<VariableLookup> {
  const values: Record<string, string> = {};
  const environment = context.environment;
  for (const file of envFiles) {
    const text = await readLimitedText(file, 'env file');
    if (text === undefined) {
      if (required) throw new ComposeError(file, undefined, 'the env file does not exist', { hint: 'check the path given with --env-file or env_file' });
      continue;
    }
    try {
      Object.assign(values, parseDotenv(text, (name) => environment[name] ?? values[name]));
    } catch (error) {
      if (error instanceof DotenvError) throw new ComposeError(file, error.line, error.message, { hint: 'write one KEY=VALUE per line' });
      throw error;
    }
  }
  return (name) => environment[name] ?? values[name];
}

/**
 * Reads, parses and interpolates one compose file, and records it in the context.
 *
 * @throws ComposeError when the file is missing, invalid YAML, or an interpolation fails.
 */
export async function readComposeFile(context: LoadContext, file: string, scope: ProjectScope): Promise<{ source: ComposeSource; model: Mapping }> {
  context.reads += 1;
  if (context.reads > MAX_FILE_READS) {
    throw new ComposeError(file, undefined, `more than ${MAX_FILE_READS} compose files read through include and extends`, { hint: 'check the include entries for repeated or runaway includes' });
  }
  const text = await readLimitedText(file, 'compose file');
  if (text === undefined) throw new ComposeError(file, undefined, 'the compose file does not exist', { hint: 'check the path given with -f, include or extends' });
  const source = parseComposeText(text, file);
  if (!context.sources.has(file)) context.sources.set(file, source);
  const model = interpolateTree(source.value, [], source, context, scope.lookup) as Mapping;
  return { source, model };
}

function interpolateTree(value: unknown, keys: Array<string | number>, source: ComposeSource, context: LoadContext, lookup: VariableLookup): unknown {
  if (typeof value === 'string') return interpolateString(value, keys, source, context, lookup);
  if (Array.isArray(value)) return value.map((entry, index) => interpolateTree(entry, [...keys, index], source, context, lookup));
  if (isMapping(value)) {
    return Object.fromEntries(Object.entries(value).map(([key, entry]) => [key, interpolateTree(entry, [...keys, key], source, context, lookup)]));
  }
  return value;
}

function interpolateString(value: string, keys: Array<string | number>, source: ComposeSource, context: LoadContext, lookup: VariableLookup): string {
  try {
    const result = interpolate(value, lookup);
    for (const name of result.unset) {
      if (context.unsetReported.has(name)) continue;
      context.unsetReported.add(name);
      context.warnings.push({ code: 'compose.variable_unset', message: `the variable ${name} is not set; it is replaced by an empty string`, path: source.file });
    }
    return result.value;
  } catch (error) {
    if (!(error instanceof InterpolationError)) throw error;
    throw new ComposeError(source.file, source.lineOf(keys), `${formatKeys(keys)}: ${error.message}`, {
      hint: error.variable === undefined ? 'write $$ for a literal dollar sign' : `set ${error.variable} in the environment or in the project's .env file`,
      cause: error,
    });
  }
}

/** `services.web.build.args` from its key path. */
export function formatKeys(keys: ReadonlyArray<string | number>): string {
  return keys.map((key, index) => (typeof key === 'number' ? `[${key}]` : index === 0 ? key : `.${key}`)).join('');
}

/** Resolves `relative` against the directory of `file`. */
export function besideFile(file: string, relative: string): string {
  return path.resolve(path.dirname(file), relative);
}

/** Returns the line of `keys` in `file`, when the file was parsed. */
export function lineIn(context: LoadContext, file: string, keys: ReadonlyArray<string | number>): number | undefined {
  return context.sources.get(file)?.lineOf(keys);
}
