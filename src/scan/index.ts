import { catalogueImage, cataloguerKey, cataloguers, storeLayerCache, type LayerProgress, type LayerStats } from '../catalog/index.js';
import type { Catalogue } from '../catalog/types.js';
import type { Warning } from '../common/errors.js';
import { logger } from '../common/log.js';
import { bosunVersion } from '../common/version.js';
import { openTarget, type OpenTargetOptions } from '../image/index.js';
import { loadAdvisoryIndex, matchReport } from '../match/index.js';
import { queryForPackage } from '../advisory/index.js';
import { buildScanReport } from '../report/build.js';
import type { ScanReport } from '../report/types.js';
import type { Store } from '../store/index.js';
import type { SbomImage } from '../catalog/sbom/types.js';
import { ecosystemOf, reportFinding, sbomImage } from './convert.js';
import { recordImage } from './record.js';

export { sbomImage, ecosystemOf, reportFinding } from './convert.js';

const log = logger('scan');

export interface CatalogueTargetOptions {
  /** The store for the layer cache and the image record; without it nothing is cached. */
  store?: Store;
  open?: OpenTargetOptions;
  signal?: AbortSignal;
  onLayer?(progress: LayerProgress): void;
}

/** An image's catalogue and how each layer was read. */
export interface CatalogueOutcome {
  image: SbomImage;
  catalogue: Catalogue;
  layers: LayerStats[];
  /** Warnings from opening the image; the catalogue carries its own. */
  warnings: Warning[];
}

/**
 * Opens a target, catalogues it layer by layer through the cache, and records the image in the
 * store. The image is closed before this returns, also on error.
 */
export async function catalogueTarget(target: string, options: CatalogueTargetOptions = {}): Promise<CatalogueOutcome> {
  const started = performance.now();
  const image = await openTarget(target, { ...options.open, signal: options.signal });
  try {
    const cache = options.store ? storeLayerCache(options.store) : undefined;
    const { catalogue, layers } = await catalogueImage(image, { cache, signal: options.signal, onLayer: options.onLayer });

    if (options.store) await recordImage(options.store, image, catalogue, cataloguerKey(cataloguers));

    log.info(
      {
        target,
        digest: image.manifestDigest ?? image.configDigest,
        packages: catalogue.packages.length,
        layers: layers.length,
        cachedLayers: layers.filter((layer) => layer.cached).length,
        ms: Math.round(performance.now() - started),
      },
      'target catalogued',
    );
    return { image: sbomImage(image), catalogue, layers, warnings: image.warnings };
  } finally {
    await image.close();
  }
}

/** Catalogues a target and matches its packages against the stored advisories. */
export async function scanTarget(target: string, store: Store, options: Omit<CatalogueTargetOptions, 'store'> = {}): Promise<ScanReport> {
  const outcome = await catalogueTarget(target, { ...options, store });
  const { catalogue } = outcome;

  const index = await loadAdvisoryIndex(store, catalogue.os, catalogue.packages);
  const matched = matchReport(index, catalogue.os, catalogue.packages);
  const missing = await missingAdvisoryWarnings(store, catalogue);

  return buildScanReport({
    target,
    image: outcome.image,
    catalogue,
    findings: matched.findings.map(reportFinding),
    warnings: [...missing, ...outcome.warnings, ...matched.warnings],
    ecosystemOf,
    bosunVersion,
  });
}

/**
 * Warns about each ecosystem the image's packages need that has no advisories stored at all: an
 * empty database would otherwise read as "no vulnerabilities".
 */
async function missingAdvisoryWarnings(store: Store, catalogue: Catalogue): Promise<Warning[]> {
  const needed = new Map<string, number>();
  for (const pkg of catalogue.packages) {
    const query = queryForPackage(catalogue.os, pkg);
    if (query) needed.set(query.base, (needed.get(query.base) ?? 0) + 1);
  }
  if (needed.size === 0) return [];

  const stored = await store.db
    .selectFrom('advisory_affected')
    .select('ecosystem_base')
    .distinct()
    .where('ecosystem_base', 'in', [...needed.keys()])
    .execute();
  const present = new Set(stored.map((row) => row.ecosystem_base));
  return [...needed]
    .filter(([base]) => !present.has(base))
    .map(([base, count]) => ({
      code: 'match.no-advisories',
      message: `no ${base} advisories are stored, so ${count} ${base} packages were not checked; run "bosun db update --ecosystem ${base}" or "bosun db import PATH" first`,
    }));
}
