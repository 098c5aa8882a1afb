import { logger, type DiffId } from '../common/index.js';
import type { OpenedImage } from '../image/types.js';
import { apkCataloguer } from './apk/index.js';
import { cataloguerKey, type LayerCache } from './cache.js';
import { dpkgCataloguer } from './dpkg/index.js';
import { scanLayer, type LayerWalker } from './layer-scan.js';
import { mergeLayers } from './merge.js';
import { osCataloguer } from './os/index.js';
import { rpmCataloguer } from './rpm/index.js';
import type { Catalogue, Cataloguer, LayerResult } from './types.js';

export type * from './types.js';
export { cataloguerKey, memoryLayerCache, storeLayerCache, type LayerCache } from './cache.js';
export { scanLayer, type LayerWalker, type ScanLayerOptions } from './layer-scan.js';
export { mergeLayers } from './merge.js';
export { osPackagePurl } from './purl.js';

const log = logger('catalog');

/** Every cataloguer, in the order their results are listed. Add a format by adding its folder and one line here. */
export const cataloguers: readonly Cataloguer[] = [osCataloguer, dpkgCataloguer, apkCataloguer, rpmCataloguer];

/** Progress of one layer. Sent while a layer is scanned (`done: false`) and once when it is finished. */
export interface LayerProgress {
  /** Position from the bottom layer, starting at 0. */
  index: number;
  /** Number of layers in the image. */
  count: number;
  diffId: DiffId;
  /** Uncompressed bytes read so far. For a cached layer, the bytes its earlier scan read. */
  bytes: number;
  cached: boolean;
  done: boolean;
}

/** Statistics of one layer: read from the cache or scanned, and its uncompressed size. */
export interface LayerStats {
  diffId: DiffId;
  cached: boolean;
  bytes: number;
}

export interface CatalogueImageOptions {
  /** Cache for layer results. Without it every layer is scanned. */
  cache?: LayerCache;
  signal?: AbortSignal;
  onLayer?(progress: LayerProgress): void;
  /** Largest file a cataloguer reads, in bytes. Unset means the image module's default. */
  maxFileBytes?: number;
  /** Largest uncompressed layer, in bytes. Unset means the image module's default. */
  maxLayerBytes?: number;
  /** Replaces the cataloguer registry, for tests. */
  cataloguers?: readonly Cataloguer[];
  /** Replaces the layer walker, for tests. */
  walk?: LayerWalker;
}

export interface ImageCatalogue {
  catalogue: Catalogue;
  /** One entry per layer, bottom first. */
  layers: LayerStats[];
}

/**
 * Catalogues the OS packages of an image. Layers are read one at a time, bottom first: a layer
 * found in the cache under the current cataloguer key is not read at all, and a scanned layer
 * is stored. The per-layer results are then merged with overlay semantics.
 */
export async function catalogueImage(image: OpenedImage, options: CatalogueImageOptions = {}): Promise<ImageCatalogue> {
  const active = options.cataloguers ?? cataloguers;
  const key = cataloguerKey(active);
  const results: LayerResult[] = [];
  const stats: LayerStats[] = [];

  for (const [index, layer] of image.layers.entries()) {
    options.signal?.throwIfAborted();
    const report = (bytes: number, cached: boolean, done: boolean): void =>
      options.onLayer?.({ index, count: image.layers.length, diffId: layer.diffId, bytes, cached, done });

    let result = await options.cache?.get(layer.diffId, key);
    const cached = result !== undefined;
    if (!result) {
      result = await scanLayer(layer, active, {
        signal: options.signal,
        maxFileBytes: options.maxFileBytes,
        maxLayerBytes: options.maxLayerBytes,
        onProgress: (bytes) => report(bytes, false, false),
        walk: options.walk,
      });
      await options.cache?.put(result, key);
    }

    report(result.bytes, cached, true);
    stats.push({ diffId: layer.diffId, cached, bytes: result.bytes });
    results.push(result);
  }

  const catalogue = mergeLayers(results);
  log.info(
    { image: image.target, layers: stats.length, cachedLayers: stats.filter((s) => s.cached).length, packages: catalogue.packages.length, os: catalogue.os?.id },
    'image catalogued',
  );
  return { catalogue, layers: stats };
}
