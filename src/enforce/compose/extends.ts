import path from 'node:path';
import { besideFile, lineIn, MAX_LOAD_DEPTH, readComposeFile, type LoadContext, type ProjectScope } from './context.js';
import { mergeService } from './merge.js';
import { isMapping, normaliseService, rebaseService, type Mapping } from './normalise.js';
import { ComposeError } from './source.js';

/**
 * Resolves `extends` in every service of one file. A service that extends another starts as
 * a copy of it (resolved first, recursively) and merges its own keys over it. A base read
 * from another file keeps paths relative to that file's directory.
 *
 * @throws ComposeError for a cycle, a missing service or file, or a malformed `extends`.
 */
export async function resolveExtends(context: LoadContext, file: string, services: Mapping, scope: ProjectScope): Promise<Mapping> {
  const out: Mapping = {};
  for (const name of Object.keys(services)) out[name] = await resolveService(context, { file, services, name }, scope, []);
  return out;
}

interface ServiceAt {
  file: string;
  services: Mapping;
  name: string;
}

async function resolveService(context: LoadContext, at: ServiceAt, scope: ProjectScope, chain: string[]): Promise<Mapping> {
  const key = `${at.file}#${at.name}`;
  const line = lineIn(context, at.file, ['services', at.name, 'extends']);
  if (chain.includes(key)) {
    const names = [...chain.slice(chain.indexOf(key)), key].map((entry) => entry.slice(entry.lastIndexOf('#') + 1));
    throw new ComposeError(at.file, line, `extends cycle: ${names.join(' -> ')}`, { hint: 'remove one of the extends keys in the cycle' });
  }
  if (chain.length >= MAX_LOAD_DEPTH) throw new ComposeError(at.file, line, `extends chain longer than ${MAX_LOAD_DEPTH} services`);

  const service = at.services[at.name];
  if (!isMapping(service)) {
    throw new ComposeError(at.file, lineIn(context, at.file, ['services', at.name]), `service "${at.name}" is not a mapping`, { hint: 'write the service as a mapping with keys such as image and build' });
  }
  if (service['extends'] === undefined) return normaliseService(service);

  const target = parseExtends(service['extends'], at, line);
  const baseFile = target.file === undefined ? at.file : besideFile(at.file, target.file);
  const baseServices = baseFile === at.file ? at.services : await servicesOf(context, baseFile, scope, at.file, line);
  if (!isMapping(baseServices[target.service])) {
    const where = baseFile === at.file ? 'this file' : baseFile;
    throw new ComposeError(at.file, line, `service "${at.name}" extends "${target.service}", which is not defined in ${where}`, { hint: 'check the service name under extends' });
  }

  let base = await resolveService(context, { file: baseFile, services: baseServices, name: target.service }, scope, [...chain, key]);
  if (baseFile !== at.file) base = rebaseService(base, path.dirname(baseFile));
  const local = { ...service };
  delete local['extends'];
  return mergeService(base, local);
}

function parseExtends(value: unknown, at: ServiceAt, line: number | undefined): { service: string; file: string | undefined } {
  if (typeof value === 'string' && value !== '') return { service: value, file: undefined };
  if (isMapping(value) && typeof value['service'] === 'string' && (value['file'] === undefined || typeof value['file'] === 'string')) {
    return { service: value['service'], file: value['file'] as string | undefined };
  }
  throw new ComposeError(at.file, line, `extends of service "${at.name}" is malformed`, { hint: 'write extends: NAME, or extends: { service: NAME, file: PATH }' });
}

async function servicesOf(context: LoadContext, file: string, scope: ProjectScope, from: string, line: number | undefined): Promise<Mapping> {
  let model = context.extended.get(file);
  if (model === undefined) {
    try {
      model = (await readComposeFile(context, file, scope)).model;
    } catch (error) {
      if (error instanceof ComposeError && error.line === undefined && error.file === file) {
        throw new ComposeError(from, line, `extends reads ${file}: ${error.message.slice(file.length + 2)}`, { hint: error.hint, cause: error });
      }
      throw error;
    }
    context.extended.set(file, model);
  }
  const services = model['services'];
  return isMapping(services) ? services : {};
}
