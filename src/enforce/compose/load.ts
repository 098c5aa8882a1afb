import path from 'node:path';
import { InputError } from '../../common/errors.js';
import { lineIn, projectLookup, readComposeFile, type LoadContext, type ProjectScope } from './context.js';
import { resolveExtends } from './extends.js';
import { applyIncludes } from './include.js';
import { mergeModels } from './merge.js';
import { isMapping, rebaseService, type Mapping } from './normalise.js';
import { ComposeError } from './source.js';
import { toService } from './service.js';
import type { ComposeProject, LoadComposeOptions } from './types.js';

/**
 * Loads a compose project the way `docker compose config` does. Each file is parsed with merge
 * keys and interpolated from the environment and the project's `.env`. Its `include` entries
 * are loaded as projects of their own and its `extends` resolved. Then the files are merged in
 * order and the profiles applied.
 *
 * @throws ComposeError (an InputError) naming the file and line of any problem.
 */
export async function loadComposeProject(options: LoadComposeOptions): Promise<ComposeProject> {
  if (options.files.length === 0) throw new InputError('no compose file given', { hint: 'name one with -f compose.yaml' });
  const files = options.files.map((file) => path.resolve(file));
  const environment = options.environment ?? process.env;
  const workingDir = path.resolve(options.projectDirectory ?? path.dirname(files[0]!));
  const context: LoadContext = { environment, sources: new Map(), extended: new Map(), warnings: [], unsetReported: new Set(), reads: 0 };

  const envFiles = options.envFiles?.map((file) => path.resolve(file)) ?? [path.join(workingDir, '.env')];
  const lookup = await projectLookup(context, envFiles, options.envFiles !== undefined);
  const model = await loadModel(context, files, { directory: workingDir, lookup, includeChain: [] });

  const profiles = selectedProfiles(options.profiles, environment);
  const services = Object.entries(isMapping(model['services']) ? model['services'] : {}).map(([name, config]) =>
    toService(name, config, profiles, locate(context, name), lookup),
  );
  return {
    name: projectName(options.projectName, model, environment, workingDir),
    workingDir,
    files: [...context.sources.keys()],
    services,
    model,
    warnings: context.warnings,
  };
}

/** Loads and merges the files of one project (the main one or an included one). */
async function loadModel(context: LoadContext, files: string[], scope: ProjectScope): Promise<Mapping> {
  let model: Mapping = {};
  for (const file of files) {
    const { model: read } = await readComposeFile(context, file, scope);
    let value = await applyIncludes(context, file, read, scope, loadModel);
    const services = value['services'];
    if (services !== undefined && services !== null && !isMapping(services)) {
      throw new ComposeError(file, lineIn(context, file, ['services']), 'services is not a mapping', { hint: 'write services as a mapping from service names to definitions' });
    }
    if (isMapping(services)) value = { ...value, services: await resolveExtends(context, file, services, scope) };
    model = mergeModels(model, value);
  }

  // Override files' relative paths count from the project directory, as the compose specification requires.
  const services = model['services'];
  if (isMapping(services)) {
    model['services'] = Object.fromEntries(Object.entries(services).map(([name, service]) => [name, isMapping(service) ? rebaseService(service, scope.directory) : service]));
  }
  return model;
}

/** Returns a locator of the file and line that first define a service, for messages about it. */
function locate(context: LoadContext, name: string): (keys: Array<string | number>) => { file: string; line: number | undefined } {
  return (keys) => {
    for (const [file, source] of context.sources) {
      const services = source.value['services'];
      if (isMapping(services) && name in services) return { file, line: source.lineOf(['services', name, ...keys]) };
    }
    const first = context.sources.keys().next().value ?? '';
    return { file: first, line: undefined };
  };
}

function selectedProfiles(profiles: string[] | undefined, environment: Record<string, string | undefined>): Set<string> {
  if (profiles !== undefined && profiles.length > 0) return new Set(profiles);
  const fromEnvironment = environment['COMPOSE_PROFILES'] ?? '';
  return new Set(fromEnvironment.split(',').map((profile) => profile.trim()).filter((profile) => profile !== ''));
}

/** Picks the project name, lowercased and reduced to the characters Compose allows. */
function projectName(explicit: string | undefined, model: Mapping, environment: Record<string, string | undefined>, workingDir: string): string {
  const raw = explicit ?? (typeof model['name'] === 'string' ? model['name'] : undefined) ?? environment['COMPOSE_PROJECT_NAME'] ?? path.basename(workingDir);
  return raw.toLowerCase().replace(/[^a-z0-9_-]/g, '');
}
