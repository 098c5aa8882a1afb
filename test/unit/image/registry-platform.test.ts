import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BosunError, InputError } from '../../../src/common/errors.js';
import type { Descriptor } from '../../../src/image/manifest.js';
import { formatPlatform, hostPlatform, parsePlatform, platformMatches, selectPlatformManifest } from '../../../src/image/platform.js';

function entry(n: number, platform: Descriptor['platform']): Descriptor {
  const descriptor: Descriptor = {
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    digest: `sha256:${n.toString(16).padStart(64, '0')}` as Descriptor['digest'],
    size: 100,
  };
  if (platform) descriptor.platform = platform;
  return descriptor;
}

// An index shaped like a multi-platform official image, with a BuildKit attestation entry.
const index: Descriptor[] = [
  entry(1, { os: 'linux', architecture: 'amd64' }),
  entry(2, { os: 'unknown', architecture: 'unknown' }),
  entry(3, { os: 'linux', architecture: 'arm', variant: 'v6' }),
  entry(4, { os: 'linux', architecture: 'arm', variant: 'v7' }),
  entry(5, { os: 'linux', architecture: 'arm64', variant: 'v8' }),
  entry(6, { os: 'linux', architecture: 'ppc64le' }),
  entry(7, { os: 'windows', architecture: 'amd64', 'os.version': '10.0.20348.2340' }),
];

const selections: Array<{ wanted: string; picked: number }> = [
  { wanted: 'linux/amd64', picked: 1 },
  { wanted: 'linux/x86_64', picked: 1 },
  { wanted: 'linux/amd64/v1', picked: 1 },
  { wanted: 'linux/arm64', picked: 5 },
  { wanted: 'linux/aarch64', picked: 5 },
  { wanted: 'linux/arm64/v8', picked: 5 },
  { wanted: 'linux/arm/v6', picked: 3 },
  { wanted: 'linux/arm/v7', picked: 4 },
  { wanted: 'linux/arm', picked: 4 },
  { wanted: 'linux/ppc64le', picked: 6 },
  { wanted: 'windows/amd64', picked: 7 },
];

for (const { wanted, picked } of selections) {
  test(`selectPlatformManifest ${wanted}`, () => {
    const chosen = selectPlatformManifest(index, parsePlatform(wanted), 'test index');
    assert.equal(chosen.digest, entry(picked, undefined).digest);
  });
}

test('selectPlatformManifest arm64 without variant', () => {
  // Many indexes write arm64 without a variant, which means v8.
  const entries = [entry(1, { os: 'linux', architecture: 'amd64' }), entry(2, { os: 'linux', architecture: 'arm64' })];
  assert.equal(selectPlatformManifest(entries, { os: 'linux', architecture: 'arm64', variant: 'v8' }, 'x').digest, entries[1]!.digest);
});

test('selectPlatformManifest prefers exact variant', () => {
  const entries = [entry(1, { os: 'linux', architecture: 'arm64' }), entry(2, { os: 'linux', architecture: 'arm64', variant: 'v8' })];
  assert.equal(selectPlatformManifest(entries, { os: 'linux', architecture: 'arm64', variant: 'v8' }, 'x').digest, entries[1]!.digest);
  assert.equal(selectPlatformManifest(entries, { os: 'linux', architecture: 'arm64' }, 'x').digest, entries[0]!.digest);
});

test('selectPlatformManifest lists available platforms', () => {
  assert.throws(
    () => selectPlatformManifest(index, parsePlatform('linux/s390x'), 'docker.io/library/nginx:1.27'),
    (error: unknown) => {
      assert.ok(error instanceof BosunError);
      assert.equal(error.code, 'image.platform_not_found');
      assert.match(error.message, /docker\.io\/library\/nginx:1\.27 has no image for platform linux\/s390x/);
      assert.match(error.message, /linux\/amd64, linux\/arm\/v6, linux\/arm\/v7, linux\/arm64\/v8, linux\/ppc64le, windows\/amd64/);
      assert.doesNotMatch(error.message, /unknown/);
      return true;
    },
  );
});

test('selectPlatformManifest skips attestations', () => {
  assert.throws(() => selectPlatformManifest([entry(2, { os: 'unknown', architecture: 'unknown' })], parsePlatform('unknown/unknown'), 'x'), /no platform entries/);
});

test('selectPlatformManifest skips entries without platform', () => {
  assert.throws(() => selectPlatformManifest([entry(1, undefined)], parsePlatform('linux/amd64'), 'x'), /no platform entries/);
});

test('parsePlatform forms', () => {
  assert.deepEqual(parsePlatform('linux/arm64/v8'), { os: 'linux', architecture: 'arm64', variant: 'v8' });
  assert.deepEqual(parsePlatform('Linux/AMD64'), { os: 'linux', architecture: 'amd64' });
  assert.deepEqual(parsePlatform('linux/i386'), { os: 'linux', architecture: '386' });
  for (const bad of ['linux', 'linux/', '/amd64', 'linux/amd64/v8/x', 'linux/am d64', '']) {
    assert.throws(() => parsePlatform(bad), InputError, bad);
  }
});

test('formatPlatform round trip', () => {
  for (const text of ['linux/amd64', 'linux/arm/v7', 'windows/amd64']) assert.equal(formatPlatform(parsePlatform(text)), text);
});

test('platformMatches default variants', () => {
  assert.ok(platformMatches({ os: 'linux', architecture: 'arm64' }, { os: 'linux', architecture: 'arm64', variant: 'v8' }));
  assert.ok(platformMatches({ os: 'linux', architecture: 'arm' }, { os: 'linux', architecture: 'arm', variant: 'v7' }));
  assert.ok(!platformMatches({ os: 'linux', architecture: 'arm', variant: 'v6' }, { os: 'linux', architecture: 'arm' }));
  assert.ok(!platformMatches({ os: 'linux', architecture: 'amd64' }, { os: 'windows', architecture: 'amd64' }));
});

test('hostPlatform maps process.arch', () => {
  const platform = hostPlatform();
  const expected: Record<string, string> = { x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386', s390x: 's390x' };
  if (expected[process.arch] !== undefined) assert.equal(platform.architecture, expected[process.arch]);
  assert.equal(platform.os, process.platform === 'win32' ? 'windows' : 'linux');
  if (platform.architecture === 'arm64') assert.equal(platform.variant, 'v8');
  if (platform.architecture === 'amd64') assert.equal(platform.variant, undefined);
});
