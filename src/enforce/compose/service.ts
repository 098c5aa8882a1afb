import path from 'node:path';
import type { VariableLookup } from './interpolate.js';
import { isMapping, isRemoteContext } from './normalise.js';
import { ComposeError } from './source.js';
import type { ComposeBuild, ComposeService } from './types.js';

/** Service names as the compose specification allows them. */
const SERVICE_NAME_PATTERN = /^[a-zA-Z0-9._-]+$/;

type Locate = (keys: Array<string | number>) => { file: string; line: number | undefined };

/**
 * Validates one merged service and reads what the pre-flight needs: image, build and profiles.
 *
 * @throws ComposeError naming the file and line of the first problem.
 */
export function toService(name: string, config: unknown, selected: Set<string>, locate: Locate, lookup: VariableLookup): ComposeService {
  const fail = (keys: Array<string | number>, message: string, hint: string): ComposeError => {
    const at = locate(keys);
    return new ComposeError(at.file, at.line, `service "${name}": ${message}`, { hint });
  };
  if (!SERVICE_NAME_PATTERN.test(name)) throw fail([], 'invalid service name', 'use letters, digits, ".", "_" and "-" only');
  if (!isMapping(config)) throw fail([], 'the definition is not a mapping', 'write the service as a mapping with keys such as image and build');

  const image = config['image'];
  if (image !== undefined && (typeof image !== 'string' || image.trim() === '')) throw fail(['image'], 'image is not a non-empty string', 'write image: NAME[:TAG]');
  const build = config['build'] === undefined ? undefined : readBuild(config['build'], fail, lookup);
  if (image === undefined && build === undefined) throw fail([], 'has neither an image nor a build section', 'add image: or build: to the service');

  const profiles = config['profiles'] ?? [];
  if (!Array.isArray(profiles) || !profiles.every((profile) => typeof profile === 'string')) {
    throw fail(['profiles'], 'profiles is not a list of names', 'write profiles: [debug, tools]');
  }
  const active = profiles.length === 0 || selected.has('*') || profiles.some((profile) => selected.has(profile));
  return { name, image: image as string | undefined, build, profiles, active, config };
}

function readBuild(value: unknown, fail: (keys: Array<string | number>, message: string, hint: string) => ComposeError, lookup: VariableLookup): ComposeBuild {
  if (!isMapping(value)) throw fail(['build'], 'build is not a path or a mapping', 'write build: DIR, or build: { context: DIR, dockerfile: FILE }');
  const context = value['context'];
  if (typeof context !== 'string') throw fail(['build', 'context'], 'build.context is not a path', 'write build: { context: DIR }');
  const dockerfile = value['dockerfile'];
  const inline = value['dockerfile_inline'];
  if (dockerfile !== undefined && typeof dockerfile !== 'string') throw fail(['build', 'dockerfile'], 'build.dockerfile is not a path', 'write dockerfile: FILE, relative to the context');
  if (inline !== undefined && typeof inline !== 'string') throw fail(['build', 'dockerfile_inline'], 'build.dockerfile_inline is not text', 'write the Dockerfile as a string');
  if (dockerfile !== undefined && inline !== undefined) throw fail(['build'], 'build sets both dockerfile and dockerfile_inline', 'keep one of them');
  const target = value['target'];
  if (target !== undefined && typeof target !== 'string') throw fail(['build', 'target'], 'build.target is not a stage name', 'write target: STAGE');

  const args: Record<string, string> = {};
  const rawArgs = value['args'] ?? {};
  if (!isMapping(rawArgs)) throw fail(['build', 'args'], 'build.args is not a mapping or a KEY=VALUE list', 'write args: { KEY: VALUE }');
  for (const [key, entry] of Object.entries(rawArgs)) {
    // An argument without a value takes it from the environment, and is left out when unset.
    const resolved = entry === null || entry === undefined ? lookup(key) : String(entry);
    if (resolved !== undefined) args[key] = resolved;
  }

  const remote = isRemoteContext(context);
  const dockerfilePath = remote || inline !== undefined ? undefined : path.resolve(context, dockerfile ?? 'Dockerfile');
  return { context, dockerfile: dockerfilePath, dockerfileInline: inline as string | undefined, args, target: target as string | undefined };
}
