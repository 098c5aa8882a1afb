import { isMapping, normaliseService, type Mapping } from './normalise.js';

/**
 * Merging of compose models, by the compose specification's merge rules: mappings merge key
 * by key, sequences append, scalars are replaced. `command`, `entrypoint` and
 * `healthcheck.test` are replaced whole, and `ports`, `volumes`, `secrets` and `configs` merge
 * entries that share a unique key.
 *
 * TODO: the `!reset` and `!override` YAML tags are read as plain values, so they do not reset
 * or replace what an earlier file set.
 */

/** Service keys whose value the later file replaces instead of appending to. */
const REPLACED_PATHS = new Set(['command', 'entrypoint', 'healthcheck.test']);

/** Unique keys of the sequences merged by key. */
const UNIQUE_KEYS: Record<string, (entry: Mapping) => string> = {
  volumes: (entry) => String(entry['target'] ?? ''),
  secrets: (entry) => String(entry['target'] ?? entry['source'] ?? ''),
  configs: (entry) => String(entry['target'] ?? entry['source'] ?? ''),
  ports: (entry) => [entry['host_ip'] ?? '', entry['target'] ?? '', entry['published'] ?? '', entry['protocol'] ?? 'tcp'].map(String).join('|'),
};

/** The top-level keys that hold named resources. */
export const RESOURCE_KEYS = ['services', 'networks', 'volumes', 'secrets', 'configs'] as const;

/** Merges `override` over `base`, both whole compose models. */
export function mergeModels(base: Mapping, override: Mapping): Mapping {
  const out: Mapping = { ...base };
  for (const [key, value] of Object.entries(override)) {
    if (key === 'services' && isMapping(value) && isMapping(out[key])) {
      out[key] = mergeServiceMaps(out[key], value);
    } else {
      out[key] = mergeValues(out[key], value, '');
    }
  }
  return out;
}

function mergeServiceMaps(base: Mapping, override: Mapping): Mapping {
  const out: Mapping = { ...base };
  for (const [name, service] of Object.entries(override)) {
    const existing = out[name];
    out[name] = isMapping(existing) && isMapping(service) ? mergeService(existing, service) : service;
  }
  return out;
}

/** Merges one service definition over another, after normalising both. */
export function mergeService(base: Mapping, override: Mapping): Mapping {
  return mergeValues(normaliseService(base), normaliseService(override), '') as Mapping;
}

function mergeValues(base: unknown, override: unknown, keyPath: string): unknown {
  if (base === undefined || REPLACED_PATHS.has(keyPath)) return override;
  if (isMapping(base) && isMapping(override)) {
    const out: Mapping = { ...base };
    for (const [key, value] of Object.entries(override)) out[key] = mergeValues(out[key], value, keyPath === '' ? key : `${keyPath}.${key}`);
    return out;
  }
  if (Array.isArray(base) && Array.isArray(override)) {
    const uniqueKey = UNIQUE_KEYS[keyPath];
    return uniqueKey === undefined ? [...base, ...override] : mergeByKey(base, override, uniqueKey);
  }
  return override;
}

function mergeByKey(base: unknown[], override: unknown[], keyOf: (entry: Mapping) => string): unknown[] {
  const out = [...base];
  for (const entry of override) {
    const index = isMapping(entry) ? out.findIndex((existing) => isMapping(existing) && keyOf(existing) === keyOf(entry)) : -1;
    if (index === -1) out.push(entry);
    else out[index] = mergeValues(out[index], entry, 'entry');
  }
  return out;
}
