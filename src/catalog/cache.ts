import { z } from 'zod';
import { logger, type DiffId } from '../common/index.js';
import type { Store } from '../store/index.js';
import type { Cataloguer, LayerResult } from './types.js';

const log = logger('catalog');

/**
 * Per-layer results keyed by diffID and cataloguer key. Layers are content-addressed, so a
 * result stays valid until a cataloguer changes, which changes the key.
 */
export interface LayerCache {
  get(diffId: DiffId, key: string): Promise<LayerResult | undefined>;
  /** Stores `result` under its diffID and `key`, replacing an older row. */
  put(result: LayerResult, key: string): Promise<void>;
}

/** Builds the cache key from every cataloguer's name and version: `apk@1,dpkg@1,os@1,rpm@1`. */
export function cataloguerKey(cataloguers: readonly Cataloguer[]): string {
  return cataloguers
    .map((cataloguer) => `${cataloguer.name}@${cataloguer.version}`)
    .sort()
    .join(',');
}

const warningSchema = z.object({
  code: z.string(),
  message: z.string(),
  layer: z.string().optional(),
  path: z.string().optional(),
});

const osSchema = z.object({
  id: z.string(),
  version: z.string(),
  codename: z.string().optional(),
  prettyName: z.string().optional(),
  source: z.string(),
});

const packageSchema = z.object({
  name: z.string(),
  version: z.string(),
  type: z.enum(['deb', 'apk', 'rpm', 'npm', 'pypi', 'golang', 'maven', 'generic']),
  arch: z.string().optional(),
  sourceName: z.string().optional(),
  sourceVersion: z.string().optional(),
  licenses: z.array(z.string()).optional(),
  purl: z.string(),
  foundIn: z.string(),
});

const layerResultSchema = z.object({
  diffId: z.string(),
  files: z.record(
    z.string(),
    z.object({
      cataloguer: z.string(),
      packages: z.array(packageSchema),
      os: osSchema.optional(),
      warnings: z.array(warningSchema),
    }),
  ),
  whiteouts: z.array(z.string()),
  opaqueDirs: z.array(z.string()),
  nonDirectories: z.array(z.string()),
  warnings: z.array(warningSchema),
  bytes: z.number(),
});

/**
 * Decodes a cached row. A row that does not fit the schema (written by a buggy or newer Bosun)
 * counts as a miss, so the layer is scanned again and the row replaced.
 */
function decodeRow(json: string, diffId: DiffId): LayerResult | undefined {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (error) {
    log.warn({ diffId, err: error }, 'ignoring cached layer result that is not valid JSON');
    return undefined;
  }
  const parsed = layerResultSchema.safeParse(value);
  if (!parsed.success || parsed.data.diffId !== diffId) {
    log.warn({ diffId }, 'ignoring cached layer result that does not match the schema');
    return undefined;
  }
  return parsed.data as LayerResult;
}

/** Creates a LayerCache over the store's `layers` table, with each result as JSON text. */
export function storeLayerCache(store: Store): LayerCache {
  return {
    async get(diffId, key) {
      const row = await store.db
        .selectFrom('layers')
        .select('result')
        .where('diff_id', '=', diffId)
        .where('cataloguer_key', '=', key)
        .executeTakeFirst();
      return row ? decodeRow(row.result, diffId) : undefined;
    },

    async put(result, key) {
      const row = { diff_id: result.diffId, cataloguer_key: key, result: JSON.stringify(result), created_at: new Date().toISOString() };
      await store.db
        .insertInto('layers')
        .values(row)
        .onConflict((conflict) => conflict.columns(['diff_id', 'cataloguer_key']).doUpdateSet({ result: row.result, created_at: row.created_at }))
        .execute();
    },
  };
}

/** Creates a LayerCache in process memory. It keeps JSON copies, as the store does, so callers cannot alter cached results. */
export function memoryLayerCache(): LayerCache {
  const rows = new Map<string, string>();
  return {
    async get(diffId, key) {
      const json = rows.get(`${diffId} ${key}`);
      return json === undefined ? undefined : decodeRow(json, diffId);
    },

    async put(result, key) {
      rows.set(`${result.diffId} ${key}`, JSON.stringify(result));
    },
  };
}
