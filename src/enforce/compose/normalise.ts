import path from 'node:path';

/**
 * Conversion of a service's short syntax into the long syntax `docker compose config` prints,
 * so that merges can match entries by key: lists of `KEY=VALUE` become mappings, short ports
 * and volumes become objects, a `build` string becomes `{ context }`.
 */

export type Mapping = Record<string, unknown>;

/** Service keys that may be written as a `KEY=VALUE` list or as a mapping. */
const MAPPING_LIST_KEYS = ['environment', 'labels', 'annotations', 'sysctls'] as const;

export function isMapping(value: unknown): value is Mapping {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Returns the service with list forms turned into mappings and short syntax expanded. Values
 * the conversion does not understand are left as written; validation reports them later.
 */
export function normaliseService(service: Mapping): Mapping {
  const out: Mapping = { ...service };
  for (const key of MAPPING_LIST_KEYS) if (key in out) out[key] = listToMapping(out[key]);
  if (typeof out['build'] === 'string') out['build'] = { context: out['build'] };
  if (isMapping(out['build'])) {
    const build = { ...out['build'] };
    if ('args' in build) build['args'] = listToMapping(build['args']);
    if ('labels' in build) build['labels'] = listToMapping(build['labels']);
    out['build'] = build;
  }
  if (Array.isArray(out['depends_on'])) {
    out['depends_on'] = Object.fromEntries(out['depends_on'].map((name) => [String(name), { condition: 'service_started', required: true }]));
  }
  if (Array.isArray(out['networks'])) out['networks'] = Object.fromEntries(out['networks'].map((name) => [String(name), null]));
  if (Array.isArray(out['ports'])) out['ports'] = out['ports'].flatMap(longPorts);
  if (Array.isArray(out['volumes'])) out['volumes'] = out['volumes'].map(longVolume);
  for (const key of ['secrets', 'configs']) {
    if (Array.isArray(out[key])) out[key] = (out[key] as unknown[]).map((entry) => (typeof entry === 'string' ? { source: entry } : entry));
  }
  if (typeof out['env_file'] === 'string') out['env_file'] = [out['env_file']];
  return out;
}

/** `[A=1, B]` as `{ A: '1', B: null }`; a mapping keeps its keys, with scalar values as strings. */
export function listToMapping(value: unknown): unknown {
  if (isMapping(value)) {
    return Object.fromEntries(Object.entries(value).map(([key, entry]) => [key, entry === null || isMapping(entry) || Array.isArray(entry) ? entry : String(entry)]));
  }
  if (!Array.isArray(value)) return value;
  const out: Mapping = {};
  for (const entry of value) {
    const text = String(entry);
    const equals = text.indexOf('=');
    if (equals === -1) out[text] = null;
    else out[text.slice(0, equals)] = text.slice(equals + 1);
  }
  return out;
}

/**
 * Expands a short port, `[HOST_IP:][HOST_PORT:]CONTAINER_PORT[/PROTOCOL]`, into the long
 * syntax. A range of container ports becomes one entry per port, as Compose prints it.
 */
export function longPorts(entry: unknown): unknown[] {
  if (isMapping(entry)) return [entry];
  if (typeof entry !== 'string' && typeof entry !== 'number') return [entry];
  const text = String(entry);
  const [spec, protocol = 'tcp'] = text.split('/') as [string, string | undefined];

  let hostIp: string | undefined;
  let rest = spec;
  const bracketed = /^\[([^\]]+)\]:(.*)$/.exec(spec);
  if (bracketed) {
    hostIp = bracketed[1];
    rest = bracketed[2]!;
  }
  const parts = rest.split(':');
  if (!bracketed && parts.length === 3) hostIp = parts.shift();
  const target = parts.pop()!;
  const published = parts.pop();

  const targets = expandRange(target);
  const publishedPorts = published === undefined || published === '' ? undefined : expandRange(published);
  if (targets === undefined || (publishedPorts !== undefined && publishedPorts.length !== targets.length && publishedPorts.length !== 1)) return [entry];

  return targets.map((port, index) => {
    const long: Mapping = { mode: 'ingress', target: port, protocol };
    if (hostIp !== undefined && hostIp !== '') long['host_ip'] = hostIp;
    if (publishedPorts !== undefined) {
      long['published'] = publishedPorts.length === 1 && targets.length > 1 ? published : String(publishedPorts[index]);
    }
    return long;
  });
}

function expandRange(text: string): number[] | undefined {
  const match = /^(\d+)(?:-(\d+))?$/.exec(text);
  if (!match) return undefined;
  const start = Number(match[1]);
  const end = match[2] === undefined ? start : Number(match[2]);
  if (end < start || end - start > 65535) return undefined;
  return Array.from({ length: end - start + 1 }, (_unused, index) => start + index);
}

/** Expands a short volume, `[SOURCE:]TARGET[:MODE]`, into the long syntax. */
export function longVolume(entry: unknown): unknown {
  if (typeof entry !== 'string') return entry;
  const parts = entry.split(':');
  if (parts.length === 1) return { type: 'volume', target: parts[0] };
  const [source, target, mode] = parts as [string, string, string | undefined];
  const bind = source.startsWith('.') || source.startsWith('/') || source.startsWith('~');
  const long: Mapping = { type: bind ? 'bind' : 'volume', source, target };
  const options = mode === undefined ? [] : mode.split(',');
  if (options.includes('ro')) long['read_only'] = true;
  if (bind) long['bind'] = { create_host_path: true };
  return long;
}

/** Reports whether a build context is remote (a Git or HTTP URL) rather than a directory. */
export function isRemoteContext(context: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(context) || context.startsWith('git@') || context.startsWith('github.com/');
}

/**
 * Makes the paths of a service absolute against `directory`: the build context, `env_file`
 * entries and bind mount sources. Absolute paths and remote contexts stay as they are.
 */
export function rebaseService(service: Mapping, directory: string): Mapping {
  const out: Mapping = { ...service };
  if (isMapping(out['build'])) {
    const build = { ...out['build'] };
    const context = typeof build['context'] === 'string' ? build['context'] : '.';
    build['context'] = isRemoteContext(context) ? context : resolveFrom(directory, context);
    out['build'] = build;
  }
  if (Array.isArray(out['env_file'])) {
    out['env_file'] = out['env_file'].map((entry) => {
      if (typeof entry === 'string') return resolveFrom(directory, entry);
      if (isMapping(entry) && typeof entry['path'] === 'string') return { ...entry, path: resolveFrom(directory, entry['path']) };
      return entry;
    });
  }
  if (Array.isArray(out['volumes'])) {
    out['volumes'] = out['volumes'].map((entry) => {
      if (!isMapping(entry) || entry['type'] !== 'bind' || typeof entry['source'] !== 'string') return entry;
      return { ...entry, source: resolveFrom(directory, entry['source']) };
    });
  }
  return out;
}

function resolveFrom(directory: string, text: string): string {
  if (text.startsWith('~')) return text;
  return path.resolve(directory, text);
}
