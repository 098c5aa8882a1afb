import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { sha256, type Digest } from '../../../src/common/digest.js';
import { ImageFormatError, InputError } from '../../../src/common/errors.js';
import { walkLayer } from '../../../src/image/layer.js';
import { MEDIA_TYPE_OCI_CONFIG, MEDIA_TYPE_OCI_INDEX, MEDIA_TYPE_OCI_LAYER_GZIP, MEDIA_TYPE_OCI_MANIFEST } from '../../../src/image/manifest.js';
import { openDirectory, walkDirectory } from '../../../src/image/sources/dir.js';
import { openDockerArchive } from '../../../src/image/sources/docker-archive.js';
import { openOciArchive } from '../../../src/image/sources/oci-archive.js';
import { openOciLayout } from '../../../src/image/sources/oci-layout.js';
import { TarArchiveStore } from '../../../src/image/sources/tar-archive.js';
import type { LayerVisitor, OpenedImage } from '../../../src/image/types.js';
import { buildTar, diffIdOf, gzip, type TarEntrySpec } from '../../fixtures/image/tar-builder.js';

const work = mkdtempSync(path.join(tmpdir(), 'bosun-sources-test-'));
after(() => rmSync(work, { recursive: true, force: true }));

let counter = 0;
function scratch(name: string): string {
  counter += 1;
  return path.join(work, `${counter}-${name}`);
}

async function writeTar(file: string, entries: TarEntrySpec[]): Promise<string> {
  writeFileSync(file, await buildTar(entries));
  return file;
}

function configFor(diffIds: string[], architecture = 'amd64'): Buffer {
  return Buffer.from(JSON.stringify({ architecture, os: 'linux', config: {}, rootfs: { type: 'layers', diff_ids: diffIds } }));
}

/** Reads every file the image's layers contain, topmost last. */
async function readFiles(image: OpenedImage): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  const visitor: LayerVisitor = { wants: () => true, onFile: (entry, content) => void files.set(entry.path, content.toString('utf8')) };
  for (const layer of image.layers) await walkLayer(layer, visitor);
  return files;
}

// --- docker-archive ---------------------------------------------------------------------------

async function legacyArchive(options: { layerPaths?: string[]; tags?: string[][]; extra?: TarEntrySpec[] } = {}) {
  const layerTar = await buildTar([{ name: 'etc/os-release', content: 'ID=debian\n' }]);
  const config = configFor([diffIdOf(layerTar)]);
  const configName = `${sha256(config).slice(7)}.json`;
  const tags = options.tags ?? [['lab/app:1']];
  const manifest = tags.map((repoTags) => ({ Config: configName, RepoTags: repoTags, Layers: options.layerPaths ?? ['abc/layer.tar'] }));
  const file = await writeTar(scratch('archive.tar'), [
    { name: 'abc/layer.tar', content: gzip(layerTar) },
    { name: configName, content: config },
    ...(options.extra ?? []),
    { name: 'manifest.json', content: JSON.stringify(manifest) },
  ]);
  return { file, config, layerTar };
}

test('docker-archive legacy layout opens', async () => {
  const { file, config, layerTar } = await legacyArchive();
  const image = await openDockerArchive(file, `docker-archive:${file}`);
  assert.equal(image.configDigest, sha256(config));
  assert.deepEqual(
    image.layers.map((layer) => layer.diffId),
    [diffIdOf(layerTar)],
  );
  assert.equal(image.reference, 'docker.io/lab/app:1');
  assert.equal(image.layers[0]?.digest, undefined);
  assert.equal((await readFiles(image)).get('etc/os-release'), 'ID=debian\n');
});

test('docker-archive layer path escaping rejected', async () => {
  const { file } = await legacyArchive({ layerPaths: ['../etc/passwd'] });
  await assert.rejects(openDockerArchive(file, 'test'), (error: unknown) => {
    assert.ok(error instanceof ImageFormatError);
    assert.match(error.message, /leaves the archive/);
    assert.equal(error.path, '../etc/passwd');
    return true;
  });
});

test('docker-archive symlinked layer resolves', async () => {
  const { file } = await legacyArchive({
    layerPaths: ['def/layer.tar'],
    extra: [{ name: 'def/layer.tar', type: 'symlink', linkname: '../abc/layer.tar' }],
  });
  const image = await openDockerArchive(file, 'test');
  assert.equal((await readFiles(image)).get('etc/os-release'), 'ID=debian\n');
});

test('docker-archive symlink out of archive rejected', async () => {
  const { file } = await legacyArchive({
    layerPaths: ['def/layer.tar'],
    extra: [{ name: 'def/layer.tar', type: 'symlink', linkname: '../../../etc/passwd' }],
  });
  await assert.rejects(openDockerArchive(file, 'test'), /has no def\/layer.tar/);
});

test('docker-archive several images need a tag', async () => {
  const { file } = await legacyArchive({ tags: [['lab/app:1'], ['lab/app:2', 'other:latest']] });
  await assert.rejects(openDockerArchive(file, 'test'), (error: unknown) => {
    assert.ok(error instanceof InputError);
    assert.match(error.message, /contains 2 images/);
    assert.match(error.message, /lab\/app:1, lab\/app:2, other:latest/);
    return true;
  });
  const image = await openDockerArchive(file, 'test', { reference: 'docker.io/library/other' });
  assert.equal(image.reference, 'docker.io/library/other:latest');
  await assert.rejects(openDockerArchive(file, 'test', { reference: 'lab/app:3' }), /no image tagged "lab\/app:3"/);
});

test('docker-archive layer count mismatch rejected', async () => {
  const { file } = await legacyArchive({ layerPaths: ['abc/layer.tar', 'abc/layer.tar'] });
  await assert.rejects(openDockerArchive(file, 'test'), /lists 2 layers .* 1 diffIDs/);
});

test('docker-archive wrong diffID fails on walk', async () => {
  const layerTar = await buildTar([{ name: 'a', content: 'a' }]);
  const config = configFor([`sha256:${'1'.repeat(64)}`]);
  const file = await writeTar(scratch('wrong-diffid.tar'), [
    { name: 'l/layer.tar', content: layerTar },
    { name: 'c.json', content: config },
    { name: 'manifest.json', content: JSON.stringify([{ Config: 'c.json', RepoTags: null, Layers: ['l/layer.tar'] }]) },
  ]);
  const image = await openDockerArchive(file, 'test');
  await assert.rejects(walkLayer(image.layers[0]!, { wants: () => false, onFile: () => {} }), /does not match its diffID/);
});

test('docker-archive invalid manifest.json rejected', async () => {
  const file = await writeTar(scratch('bad-manifest.tar'), [{ name: 'manifest.json', content: '{"not":"an array"}' }]);
  await assert.rejects(openDockerArchive(file, 'test'), (error: unknown) => error instanceof ImageFormatError && /manifest.json .* is not valid/.test(error.message));
});

test('docker-archive gzip file rejected clearly', async () => {
  const file = scratch('compressed.tar.gz');
  writeFileSync(file, gzip(await buildTar([{ name: 'manifest.json', content: '[]' }])));
  await assert.rejects(openDockerArchive(file, 'test'), /not a readable uncompressed tar/);
});

test('archive index offsets match content', async () => {
  const long = `${'d'.repeat(120)}/${'f'.repeat(120)}`;
  const file = await writeTar(scratch('index.tar'), [
    { name: 'a', content: 'first' },
    { name: long, content: 'long name via pax' },
    { name: 'empty', content: '' },
    { name: 'c', content: Buffer.alloc(700, 0x63) },
  ]);
  const store = await TarArchiveStore.index(file);
  assert.equal((await store.readFile('a', 100)).toString(), 'first');
  assert.equal((await store.readFile(long, 100)).toString(), 'long name via pax');
  assert.equal((await store.readFile('empty', 100)).length, 0);
  assert.equal((await store.readFile('./c', 1000)).toString(), 'c'.repeat(700));
  await assert.rejects(store.readFile('c', 10), /over the maximum of 10/);
});

// --- OCI layout ----------------------------------------------------------------------------------

interface Blob {
  digest: Digest;
  size: number;
}

function writeBlob(layout: string, content: Buffer | string): Blob {
  const body = Buffer.from(content);
  const digest = sha256(body);
  mkdirSync(path.join(layout, 'blobs/sha256'), { recursive: true });
  writeFileSync(path.join(layout, 'blobs/sha256', digest.slice(7)), body);
  return { digest, size: body.length };
}

/** Writes an image manifest for one architecture; returns its descriptor parts and layer tar. */
async function writeImage(layout: string, architecture: string) {
  const layerTar = await buildTar([{ name: 'etc/arch', content: architecture }]);
  const layer = writeBlob(layout, gzip(layerTar));
  const config = writeBlob(layout, configFor([diffIdOf(layerTar)], architecture));
  const manifest = writeBlob(
    layout,
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MEDIA_TYPE_OCI_MANIFEST,
      config: { mediaType: MEDIA_TYPE_OCI_CONFIG, ...config },
      layers: [{ mediaType: MEDIA_TYPE_OCI_LAYER_GZIP, ...layer }],
      annotations: { 'org.opencontainers.image.base.name': `base-${architecture}` },
    }),
  );
  return { manifest, config, layer };
}

/** Writes an OCI layout with `multi` (an index over amd64 and arm64) and `single` (amd64 only). */
async function writeLayout(): Promise<{ layout: string; amd64: Blob; arm64: Blob; armConfig: Blob }> {
  const layout = scratch('layout');
  mkdirSync(layout);
  writeFileSync(path.join(layout, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  const amd64 = await writeImage(layout, 'amd64');
  const arm64 = await writeImage(layout, 'arm64');
  const nested = writeBlob(
    layout,
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MEDIA_TYPE_OCI_INDEX,
      manifests: [
        { mediaType: MEDIA_TYPE_OCI_MANIFEST, ...amd64.manifest, platform: { os: 'linux', architecture: 'amd64' } },
        { mediaType: MEDIA_TYPE_OCI_MANIFEST, ...arm64.manifest, platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } },
        { mediaType: MEDIA_TYPE_OCI_MANIFEST, ...amd64.manifest, platform: { os: 'unknown', architecture: 'unknown' } },
      ],
    }),
  );
  const index = {
    schemaVersion: 2,
    mediaType: MEDIA_TYPE_OCI_INDEX,
    manifests: [
      { mediaType: MEDIA_TYPE_OCI_INDEX, ...nested, annotations: { 'org.opencontainers.image.ref.name': 'multi' } },
      { mediaType: MEDIA_TYPE_OCI_MANIFEST, ...amd64.manifest, annotations: { 'org.opencontainers.image.ref.name': 'single' } },
    ],
  };
  writeFileSync(path.join(layout, 'index.json'), JSON.stringify(index));
  return { layout, amd64: amd64.manifest, arm64: arm64.manifest, armConfig: arm64.config };
}

test('oci layout picks platform from nested index', async () => {
  const { layout, arm64, armConfig } = await writeLayout();
  const image = await openOciLayout(layout, 'test', { tag: 'multi', platform: { os: 'linux', architecture: 'arm64' } });
  assert.equal(image.manifestDigest, arm64.digest);
  assert.equal(image.configDigest, armConfig.digest);
  assert.equal(image.config.architecture, 'arm64');
  assert.deepEqual(image.annotations, { 'org.opencontainers.image.base.name': 'base-arm64' });
  assert.ok(image.layers[0]?.digest?.startsWith('sha256:'));
  assert.equal((await readFiles(image)).get('etc/arch'), 'arm64');
});

test('oci layout unknown platform lists available', async () => {
  const { layout } = await writeLayout();
  await assert.rejects(openOciLayout(layout, 'test', { tag: 'multi', platform: { os: 'linux', architecture: 's390x' } }), (error: unknown) => {
    assert.match((error as Error).message, /linux\/amd64, linux\/arm64\/v8/);
    return true;
  });
});

test('oci layout tag selection', async () => {
  const { layout, amd64 } = await writeLayout();
  const image = await openOciLayout(layout, 'test', { tag: 'single' });
  assert.equal(image.manifestDigest, amd64.digest);
  await assert.rejects(openOciLayout(layout, 'test'), (error: unknown) => {
    assert.ok(error instanceof InputError);
    assert.match(error.message, /"multi", "single"/);
    return true;
  });
  await assert.rejects(openOciLayout(layout, 'test', { tag: 'nope' }), /no image named "nope"/);
});

test('oci layout tampered manifest rejected', async () => {
  const { layout, amd64 } = await writeLayout();
  const blob = path.join(layout, 'blobs/sha256', amd64.digest.slice(7));
  writeFileSync(blob, readFileSync(blob, 'utf8').replace('base-amd64', 'base-AMD64'));
  await assert.rejects(openOciLayout(layout, 'test', { tag: 'single' }), (error: unknown) => {
    assert.ok(error instanceof ImageFormatError);
    assert.match(error.message, new RegExp(`blob ${amd64.digest} .* has digest sha256:`));
    return true;
  });
});

test('oci layout without marker rejected', async () => {
  const { layout } = await writeLayout();
  rmSync(path.join(layout, 'oci-layout'));
  await assert.rejects(openOciLayout(layout, 'test'), (error: unknown) => error instanceof InputError && /no oci-layout file/.test(error.message));
});

test('oci layout hostile digest in index rejected', async () => {
  const { layout } = await writeLayout();
  const index = { schemaVersion: 2, manifests: [{ mediaType: MEDIA_TYPE_OCI_MANIFEST, digest: 'sha256:../../../etc/passwd', size: 10 }] };
  writeFileSync(path.join(layout, 'index.json'), JSON.stringify(index));
  await assert.rejects(openOciLayout(layout, 'test'), ImageFormatError);
});

/** Replaces a blob of `layout` with what `replace` makes at its path. */
function replaceBlob(layout: string, digest: string, replace: (file: string) => void): void {
  const file = path.join(layout, 'blobs/sha256', digest.slice(7));
  rmSync(file);
  replace(file);
}

function configDigestOf(layout: string, manifestDigest: string): string {
  const manifest = JSON.parse(readFileSync(path.join(layout, 'blobs/sha256', manifestDigest.slice(7)), 'utf8')) as { config: { digest: string } };
  return manifest.config.digest;
}

test('oci layout rejects non-regular blobs', async () => {
  const outside = scratch('outside');
  mkdirSync(outside);
  const cases: Array<{ name: string; replace: (file: string, original: Buffer) => void; message: RegExp }> = [
    { name: 'FIFO', replace: (file) => execFileSync('mkfifo', [file]), message: /is a FIFO/ },
    {
      name: 'absolute symlink out of the layout',
      replace: (file, original) => {
        const target = path.join(outside, `secret-${path.basename(file)}`);
        writeFileSync(target, original);
        symlinkSync(target, file);
      },
      message: /is a symbolic link/,
    },
    { name: 'symlink to a directory', replace: (file) => symlinkSync(outside, file), message: /is a symbolic link/ },
  ];
  for (const { name, replace, message } of cases) {
    const { layout, amd64 } = await writeLayout();
    const configDigest = configDigestOf(layout, amd64.digest);
    const original = readFileSync(path.join(layout, 'blobs/sha256', configDigest.slice(7)));
    replaceBlob(layout, configDigest, (file) => replace(file, original));
    await assert.rejects(openOciLayout(layout, 'test', { tag: 'single' }), (error: unknown) => {
      assert.ok(error instanceof ImageFormatError, `${name}: ${String(error)}`);
      assert.ok(error.message.includes(configDigest.slice(7)), `${name}: ${error.message}`);
      assert.match(error.message, message, name);
      assert.ok(error.hint, name);
      return true;
    });
  }
});

test('oci layout rejects escaping blobs directory', async () => {
  const { layout, amd64 } = await writeLayout();
  const outside = scratch('outside-blobs');
  execFileSync('cp', ['-r', path.join(layout, 'blobs/sha256'), outside]);
  rmSync(path.join(layout, 'blobs/sha256'), { recursive: true });
  symlinkSync(outside, path.join(layout, 'blobs/sha256'));
  await assert.rejects(openOciLayout(layout, 'test', { tag: 'single' }), (error: unknown) => {
    assert.ok(error instanceof ImageFormatError, String(error));
    assert.ok(error.message.includes(amd64.digest.slice(7)), error.message);
    assert.match(error.message, /symbolic link to .*outside the layout/);
    return true;
  });
});

test('oci layout rejects FIFO layer on open', async () => {
  const { layout } = await writeLayout();
  const image = await openOciLayout(layout, 'test', { tag: 'single' });
  const digest = image.layers[0]!.digest!;
  replaceBlob(layout, digest, (file) => execFileSync('mkfifo', [file]));
  await assert.rejects(image.layers[0]!.open(), (error: unknown) => {
    assert.ok(error instanceof ImageFormatError, String(error));
    assert.match(error.message, /is a FIFO/);
    return true;
  });
});

test('oci-archive reads the layout in place', async () => {
  const { layout, amd64 } = await writeLayout();
  const entries: TarEntrySpec[] = [];
  const walk = (relative: string): void => {
    for (const name of readdirSync(path.join(layout, relative))) {
      const child = relative === '' ? name : `${relative}/${name}`;
      if (statSync(path.join(layout, child)).isDirectory()) walk(child);
      else entries.push({ name: child, content: readFileSync(path.join(layout, child)) });
    }
  };
  walk('');
  const file = await writeTar(scratch('layout.tar'), entries);
  const image = await openOciArchive(file, 'test', { tag: 'single' });
  assert.equal(image.manifestDigest, amd64.digest);
  assert.equal((await readFiles(image)).get('etc/arch'), 'amd64');
});

// --- dir -----------------------------------------------------------------------------------------

function writeRootfs(): string {
  const root = scratch('rootfs');
  mkdirSync(path.join(root, 'var/lib/dpkg'), { recursive: true });
  writeFileSync(path.join(root, 'var/lib/dpkg/status'), 'Package: dpkg\n');
  writeFileSync(path.join(root, 'big'), Buffer.alloc(2048));
  symlinkSync('/etc', path.join(root, 'etc-outside'));
  symlinkSync('loop-b', path.join(root, 'loop-a'));
  symlinkSync('loop-a', path.join(root, 'loop-b'));
  symlinkSync('/', path.join(root, 'var/root-link'));
  execFileSync('mkfifo', [path.join(root, 'fifo')]);
  return root;
}

test('walkDirectory never follows symlinks', async () => {
  const root = writeRootfs();
  const requested: string[] = [];
  const files = new Map<string, string>();
  const result = await walkDirectory(
    root,
    {
      wants: (entry) => {
        requested.push(entry.path);
        return true;
      },
      onFile: (entry, content) => void files.set(entry.path, content.toString()),
    },
    { maxFileBytes: 1024 },
  );
  assert.deepEqual([...files.keys()], ['var/lib/dpkg/status']);
  assert.deepEqual(requested, ['big', 'var/lib/dpkg/status']);
  assert.deepEqual(result.nonDirectories, ['big', 'etc-outside', 'loop-a', 'loop-b', 'var/root-link', 'var/lib/dpkg/status']);
  assert.equal(result.warnings[0]?.code, 'layer.file-too-large');
  assert.equal(result.warnings.length, 1);
});

test('dir image has stable synthetic diffID', async () => {
  const root = writeRootfs();
  const first = await openDirectory(root, `dir:${root}`);
  const second = await openDirectory(root, `dir:${root}`);
  assert.equal(first.layers[0]?.diffId, second.layers[0]?.diffId);
  assert.equal(first.configDigest, second.configDigest);
  writeFileSync(path.join(root, 'var/lib/dpkg/status'), 'Package: dpkg\nVersion: 2\n');
  const changed = await openDirectory(root, `dir:${root}`);
  assert.notEqual(changed.layers[0]?.diffId, first.layers[0]?.diffId);
  assert.equal((await readFiles(changed)).get('var/lib/dpkg/status'), 'Package: dpkg\nVersion: 2\n');
});

test('dir target must be a directory', async () => {
  await assert.rejects(openDirectory(path.join(work, 'absent'), 'dir:absent'), InputError);
});

test('dir walk reports symlinks and per-file limits', async () => {
  const root = scratch('dir-hooks');
  mkdirSync(path.join(root, 'etc'), { recursive: true });
  writeFileSync(path.join(root, 'etc/os-release'), 'ID=debian\n'.repeat(10));
  symlinkSync('/etc/passwd', path.join(root, 'etc/status'));
  const symlinks: Array<[string, string | undefined]> = [];
  const read: string[] = [];
  const result = await walkDirectory(root, {
    wants: () => true,
    maxBytes: () => 20,
    onSymlink: (entry) => symlinks.push([entry.path, entry.linkTarget]),
    onFile: (entry) => {
      read.push(entry.path);
    },
  });
  assert.deepEqual(symlinks, [['etc/status', '/etc/passwd']]);
  assert.deepEqual(read, []);
  assert.deepEqual(result.warnings.map((warning) => [warning.code, warning.path]), [['layer.file-too-large', 'etc/os-release']]);
});

test('overlong paths are truncated with their errno', async () => {
  const long = path.join(work, 'x'.repeat(10_000));
  const cases: Array<[string, () => Promise<unknown>]> = [
    ['dir', () => openDirectory(long, `dir:${long}`)],
    ['oci', () => openOciLayout(long, `oci:${long}`)],
  ];
  for (const [name, open] of cases) {
    await assert.rejects(open(), (error: unknown) => {
      assert.ok(error instanceof InputError, `${name}: ${String(error)}`);
      assert.ok(error.message.length < 400, `${name}: message is ${error.message.length} characters`);
      assert.match(error.message, /ENAMETOOLONG/, name);
      assert.doesNotMatch(error.message, /is not a directory/, name);
      return true;
    });
  }
});
