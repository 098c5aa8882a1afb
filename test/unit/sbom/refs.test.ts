import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PackageURL } from 'packageurl-js';
import { imagePurl, packageRefs, splitReference } from '../../../src/catalog/sbom/refs.js';
import { catalogue, CONFIG_DIGEST, MANIFEST_DIGEST } from './fixture.js';

test('split reference forms', () => {
  const cases: Array<[string, ReturnType<typeof splitReference>]> = [
    ['docker.io/library/debian:bookworm', { repository: 'docker.io/library/debian', tag: 'bookworm' }],
    ['registry.local:5000/team/app', { repository: 'registry.local:5000/team/app' }],
    ['registry.local:5000/team/app:1.0', { repository: 'registry.local:5000/team/app', tag: '1.0' }],
    [`ghcr.io/o/r@${MANIFEST_DIGEST}`, { repository: 'ghcr.io/o/r', digest: MANIFEST_DIGEST }],
    [`ghcr.io/o/r:v2@${MANIFEST_DIGEST}`, { repository: 'ghcr.io/o/r', tag: 'v2', digest: MANIFEST_DIGEST }],
  ];
  for (const [reference, expected] of cases) assert.deepEqual(splitReference(reference), expected, reference);
});

test('image purl qualifiers', () => {
  const purl = imagePurl({ reference: `ghcr.io/Org/Tool:v2@${MANIFEST_DIGEST}`, manifestDigest: MANIFEST_DIGEST, configDigest: CONFIG_DIGEST, diffIds: [], platform: 'linux/arm64/v8' });
  const parsed = PackageURL.fromString(purl ?? '');
  assert.equal(parsed.type, 'oci');
  assert.equal(parsed.name, 'tool');
  assert.equal(parsed.version, MANIFEST_DIGEST);
  assert.deepEqual({ ...parsed.qualifiers }, { arch: 'arm64', repository_url: 'ghcr.io/Org/Tool', tag: 'v2' });
});

test('image purl needs manifest digest', () => {
  assert.equal(imagePurl({ reference: 'app:1', configDigest: CONFIG_DIGEST, diffIds: [] }), undefined);
});

test('package refs unique', () => {
  const packages = catalogue().packages;
  const duplicated = [...packages, packages[0]!];
  const refs = packageRefs(duplicated);
  assert.equal(new Set(refs).size, refs.length);
  assert.equal(refs.at(-1), `${refs[0]}|2`);
});
