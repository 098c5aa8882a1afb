import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createReadStream, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { catalogueImage, memoryLayerCache, type Catalogue } from '../../src/catalog/index.js';
import type { Digest, DiffId } from '../../src/common/index.js';
import type { ImageConfig, LayerRef, OpenedImage } from '../../src/image/types.js';
import { docker, ensureLab, labSkipReason, type Lab } from '../helpers/lab.js';

const skip = labSkipReason();

/**
 * Builds a minimal image over layer files on disk, so that this test needs only the layer
 * walker and not an image source. The diffIDs come from the config, the paths from the caller.
 */
function imageFromFiles(target: string, config: ImageConfig, layerFiles: string[]): OpenedImage {
  assert.equal(config.rootfs.diff_ids.length, layerFiles.length, `${target}: one file per diffID`);
  const layers: LayerRef[] = layerFiles.map((file, index) => ({
    diffId: config.rootfs.diff_ids[index]!,
    async open() {
      return createReadStream(file);
    },
  }));
  return {
    target,
    configDigest: `sha256:${'0'.repeat(64)}` as Digest,
    config,
    annotations: {},
    repoDigests: [],
    layers,
    warnings: [],
    async close() {},
  };
}

/** Opens the image tagged `refName` in an OCI image layout directory. */
function openLayout(layout: string, refName: string): OpenedImage {
  const blob = (digest: string): string => path.join(layout, 'blobs', ...digest.split(':'));
  const readJson = <T>(file: string): T => JSON.parse(readFileSync(file, 'utf8')) as T;

  const index = readJson<{ manifests: Array<{ digest: string; annotations?: Record<string, string> }> }>(path.join(layout, 'index.json'));
  const descriptor = index.manifests.find((m) => m.annotations?.['org.opencontainers.image.ref.name'] === refName);
  assert.ok(descriptor, `${layout} has no image named ${refName}`);
  const manifest = readJson<{ config: { digest: string }; layers: Array<{ digest: string }> }>(blob(descriptor.digest));
  const config = readJson<ImageConfig>(blob(manifest.config.digest));
  return imageFromFiles(`oci:${layout}:${refName}`, config, manifest.layers.map((layer) => blob(layer.digest)));
}

/** Saves an image from the lab engine with `docker save`, unpacks it into `dir` and opens it. */
function openSaved(lab: Lab, reference: string, dir: string): OpenedImage {
  const tarFile = path.join(dir, 'image.tar');
  docker(lab, ['save', '-o', tarFile, reference]);
  const root = path.join(dir, 'image');
  mkdirSync(root);
  execFileSync('tar', ['-xf', tarFile, '-C', root]);

  const [entry] = JSON.parse(readFileSync(path.join(root, 'manifest.json'), 'utf8')) as Array<{ Config: string; Layers: string[] }>;
  assert.ok(entry, `docker save of ${reference} wrote no manifest entry`);
  const config = JSON.parse(readFileSync(path.join(root, entry.Config), 'utf8')) as ImageConfig;
  return imageFromFiles(`docker-archive:${tarFile}`, config, entry.Layers.map((layer) => path.join(root, layer)));
}

/** Lists the installed packages as dpkg-query reports them inside a container of `reference`. */
function dpkgQuery(lab: Lab, reference: string): string[] {
  const output = docker(lab, ['run', '--rm', '--network', 'none', reference, 'dpkg-query', '-W', '-f', '${db:Status-Status} ${Package} ${Version}\n']);
  return output
    .split('\n')
    .filter((line) => line.startsWith('installed '))
    .map((line) => line.slice('installed '.length))
    .sort();
}

const listed = (catalogue: Catalogue): string[] => catalogue.packages.map((pkg) => `${pkg.name} ${pkg.version}`).sort();

test('catalogue debian from OCI layout', { skip }, async () => {
  const lab = ensureLab();
  const image = openLayout(lab.ociLayout, 'debian-bookworm');
  const { catalogue, layers } = await catalogueImage(image);

  const expected = dpkgQuery(lab, 'lab/debian:bookworm');
  assert.ok(expected.length > 50, `dpkg-query listed only ${expected.length} packages`);
  assert.deepEqual(listed(catalogue), expected);

  assert.equal(catalogue.os?.id, 'debian');
  assert.equal(catalogue.os?.version, '12');
  assert.equal(catalogue.os?.codename, 'bookworm');
  // etc/os-release is a symlink to ../usr/lib/os-release in Debian.
  assert.equal(catalogue.os?.source, 'usr/lib/os-release');
  assert.deepEqual(catalogue.warnings, []);
  assert.deepEqual(layers.map((layer) => layer.diffId), [lab.baseDiffId]);

  const bash = catalogue.packages.find((pkg) => pkg.name === 'bash');
  assert.equal(bash?.sourceName, 'bash');
  assert.match(bash?.purl ?? '', /^pkg:deb\/debian\/bash@[^?]+\?arch=amd64&distro=debian-12$/);
  assert.ok(catalogue.packages.every((pkg) => pkg.layer === lab.baseDiffId && pkg.foundIn === 'var/lib/dpkg/status'));
});

test('catalogue app image reuses base layer', { skip }, async () => {
  const lab = ensureLab();
  const cache = memoryLayerCache();
  await catalogueImage(openLayout(lab.ociLayout, 'debian-bookworm'), { cache });
  const { catalogue, layers } = await catalogueImage(openLayout(lab.ociLayout, 'app-1'), { cache });

  assert.deepEqual(layers.map((layer) => layer.cached), [true, ...layers.slice(1).map(() => false)]);
  assert.deepEqual(listed(catalogue), dpkgQuery(lab, 'lab/debian:bookworm'));
});

test('catalogue image with purged package', { skip }, async () => {
  const lab = ensureLab();
  const purged = 'libsemanage-common';
  const tag = 'bosun-test/catalog-purge:1';
  const dir = mkdtempSync(path.join(tmpdir(), 'bosun-catalog-it-'));
  try {
    assert.ok(dpkgQuery(lab, 'lab/debian:bookworm').some((line) => line.startsWith(`${purged} `)), `${purged} is not in the base image`);
    writeFileSync(path.join(dir, 'Dockerfile'), `FROM lab/debian:bookworm\nRUN dpkg --purge --force-depends ${purged}\n`);
    docker(lab, ['build', '-q', '--network', 'none', '-t', tag, dir]);

    const image = openSaved(lab, tag, dir);
    const { catalogue, layers } = await catalogueImage(image);
    const expected = dpkgQuery(lab, tag);

    assert.equal(layers.length, 2);
    assert.ok(!expected.some((line) => line.startsWith(`${purged} `)), 'dpkg-query still lists the purged package');
    assert.ok(!catalogue.packages.some((pkg) => pkg.name === purged), 'the catalogue still lists the purged package');
    assert.deepEqual(listed(catalogue), expected);
    // The purge rewrote the status file, but every remaining package was installed by the base layer.
    assert.deepEqual([...new Set(catalogue.packages.map((pkg) => pkg.layer))], [layers[0]!.diffId as DiffId]);
  } finally {
    docker(lab, ['rmi', '-f', tag]);
    rmSync(dir, { recursive: true, force: true });
  }
});
