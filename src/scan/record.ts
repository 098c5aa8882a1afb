import type { Catalogue } from '../catalog/types.js';
import type { OpenedImage } from '../image/types.js';
import type { Store } from '../store/index.js';

/**
 * Stores the image and its catalogue, keyed by config digest, so that later runs can re-match
 * it without rescanning and resolve chains against it. References accumulate across scans.
 */
export async function recordImage(store: Store, image: OpenedImage, catalogue: Catalogue, cataloguerKey: string): Promise<void> {
  const now = new Date().toISOString();
  const existing = await store.db
    .selectFrom('images')
    .select(['references', 'first_seen_at', 'manifest_digest'])
    .where('config_digest', '=', image.configDigest)
    .executeTakeFirst();

  const references = new Set<string>(existing ? (JSON.parse(existing.references) as string[]) : []);
  if (image.reference) references.add(image.reference);
  for (const repoDigest of image.repoDigests) references.add(repoDigest);

  const labels = image.config.config?.Labels ?? {};
  const row = {
    config_digest: image.configDigest,
    // A docker-archive or dir scan knows no manifest digest: keep the one a registry scan found.
    manifest_digest: image.manifestDigest ?? existing?.manifest_digest ?? null,
    references: JSON.stringify([...references].sort()),
    diff_ids: JSON.stringify(image.layers.map((layer) => layer.diffId)),
    os: catalogue.os ? JSON.stringify(catalogue.os) : null,
    packages: JSON.stringify(catalogue.packages),
    annotations: JSON.stringify({ ...labels, ...image.annotations }),
    cataloguer_key: cataloguerKey,
    first_seen_at: existing?.first_seen_at ?? now,
    scanned_at: now,
  };

  await store.db
    .insertInto('images')
    .values(row)
    .onConflict((conflict) =>
      conflict.column('config_digest').doUpdateSet({
        manifest_digest: row.manifest_digest,
        references: row.references,
        diff_ids: row.diff_ids,
        os: row.os,
        packages: row.packages,
        annotations: row.annotations,
        cataloguer_key: row.cataloguer_key,
        scanned_at: row.scanned_at,
      }),
    )
    .execute();
}
