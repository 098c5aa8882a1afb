import path from 'node:path';
import { besideFile, formatKeys, lineIn, MAX_LOAD_DEPTH, projectLookup, type LoadContext, type ProjectScope } from './context.js';
import { RESOURCE_KEYS } from './merge.js';
import { isMapping, type Mapping } from './normalise.js';
import { ComposeError } from './source.js';

/** Loads the merged model of a project from its files; `load.ts` passes its own loader in. */
export type ModelLoader = (context: LoadContext, files: string[], scope: ProjectScope) => Promise<Mapping>;

interface IncludeSpec {
  paths: string[];
  projectDirectory: string;
  envFiles: string[];
  /** Whether the env files were named, so a missing one is an error. */
  envFilesNamed: boolean;
}

/**
 * Applies a file's top-level `include`: each entry is loaded as its own project (its own
 * project directory, `.env` and relative paths), and its resources are added to the model.
 * A resource the including file defines as well is an error, as in Compose.
 *
 * @throws ComposeError for an include cycle, a malformed entry or a conflicting resource.
 */
export async function applyIncludes(context: LoadContext, file: string, model: Mapping, scope: ProjectScope, loadModel: ModelLoader): Promise<Mapping> {
  const entries = model['include'];
  const out: Mapping = { ...model };
  delete out['include'];
  if (entries === undefined || entries === null) return out;
  if (!Array.isArray(entries)) throw new ComposeError(file, lineIn(context, file, ['include']), 'include is not a list', { hint: 'write include as a list of paths or of { path, project_directory, env_file }' });

  const chain = [...scope.includeChain, file];
  if (chain.length > MAX_LOAD_DEPTH) throw new ComposeError(file, lineIn(context, file, ['include']), `includes nested more than ${MAX_LOAD_DEPTH} levels deep`);

  let included: Mapping = {};
  for (const [index, entry] of entries.entries()) {
    const spec = parseInclude(context, file, entry, index);
    const cycle = spec.paths.find((target) => chain.includes(target));
    if (cycle !== undefined) {
      const names = [...chain.slice(chain.indexOf(cycle)), cycle].map((name) => path.basename(name));
      throw new ComposeError(file, lineIn(context, file, ['include', index]), `include cycle: ${names.join(' -> ')}`, { hint: 'remove one of the include entries in the cycle' });
    }
    const lookup = await projectLookup(context, spec.envFiles, spec.envFilesNamed);
    const sub = await loadModel(context, spec.paths, { directory: spec.projectDirectory, lookup, includeChain: chain });
    // The project name comes from the including project, never from an included one.
    delete sub['name'];
    included = addResources(included, sub, (kind, name) => `${kind}.${name} is defined by two included projects (the second is ${spec.paths[0]})`, context, file, index);
  }
  return addResources(included, out, (kind, name) => `${kind}.${name} is defined here and by an included project`, context, file, undefined);
}

function parseInclude(context: LoadContext, file: string, entry: unknown, index: number): IncludeSpec {
  const line = lineIn(context, file, ['include', index]);
  const malformed = (): ComposeError =>
    new ComposeError(file, line, `${formatKeys(['include', index])} is malformed`, { hint: 'write a path, or { path: PATH or [PATHS], project_directory: DIR, env_file: PATH or [PATHS] }' });

  const spec = typeof entry === 'string' ? { path: entry } : entry;
  if (!isMapping(spec)) throw malformed();
  const paths = stringList(spec['path']);
  const named = spec['env_file'] === undefined ? undefined : stringList(spec['env_file']);
  if (paths === undefined || paths === null || paths.length === 0 || named === null || (spec['project_directory'] !== undefined && typeof spec['project_directory'] !== 'string')) throw malformed();

  const absolute = paths.map((target) => besideFile(file, target));
  const projectDirectory = typeof spec['project_directory'] === 'string' ? besideFile(file, spec['project_directory']) : path.dirname(absolute[0]!);
  const envFiles = named === undefined ? [path.join(projectDirectory, '.env')] : named.map((target) => besideFile(file, target));
  return { paths: absolute, projectDirectory, envFiles, envFilesNamed: named !== undefined };
}

/** Reads a string or a list of strings as a list; returns undefined when absent, null when malformed. */
function stringList(value: unknown): string[] | undefined | null {
  if (value === undefined) return undefined;
  if (typeof value === 'string') return [value];
  if (Array.isArray(value) && value.every((item) => typeof item === 'string')) return value as string[];
  return null;
}

function addResources(
  base: Mapping,
  added: Mapping,
  conflict: (kind: string, name: string) => string,
  context: LoadContext,
  file: string,
  index: number | undefined,
): Mapping {
  const out: Mapping = { ...base };
  for (const [key, value] of Object.entries(added)) {
    // Keys that are not named resources (name, extension keys) take the later value.
    if (!(RESOURCE_KEYS as readonly string[]).includes(key) || !isMapping(value) || !isMapping(out[key])) {
      out[key] = value;
      continue;
    }
    const merged: Mapping = { ...out[key] };
    for (const [name, resource] of Object.entries(value)) {
      if (name in merged) {
        const keys = index === undefined ? [key, name] : ['include', index];
        throw new ComposeError(file, lineIn(context, file, keys), conflict(key, name), { hint: 'rename one of them, or drop it from one project' });
      }
      merged[name] = resource;
    }
    out[key] = merged;
  }
  return out;
}
