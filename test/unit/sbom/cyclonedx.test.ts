import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as CDX from '@cyclonedx/cyclonedx-library';
import { buildCycloneDxBom, CDX_PROPERTY, cycloneDxLicenses, writeCycloneDxSbom } from '../../../src/catalog/sbom/cyclonedx.js';
import { InputError } from '../../../src/common/errors.js';
import { APP_LAYER, BASE_LAYER, catalogue, CONFIG_DIGEST, image, MANIFEST_DIGEST, reversed } from './fixture.js';

const options = { toolVersion: '0.1.0', timestamp: new Date('2025-01-02T03:04:05Z'), uuid: '3f2504e0-4f89-41d3-9a0c-0305e82c3301' };

interface Json {
  [key: string]: any;
}

function render(): Json {
  return JSON.parse(writeCycloneDxSbom(catalogue(), image, options)) as Json;
}

function property(component: Json, name: string): string[] {
  return (component['properties'] ?? []).filter((p: Json) => p['name'] === name).map((p: Json) => p['value']);
}

test('cyclonedx sbom validates against 1.6 schema', async () => {
  const validator = new CDX.Validation.JsonStrictValidator(CDX.Spec.Version.v1dot6);
  const errors = await validator.validate(writeCycloneDxSbom(catalogue(), image, options));
  assert.equal(errors, null, JSON.stringify(errors, null, 2));
});

test('cyclonedx validator rejects broken bom', async () => {
  // Proves the schema check above can fail: a component type outside the 1.6 enum.
  const validator = new CDX.Validation.JsonStrictValidator(CDX.Spec.Version.v1dot6);
  const bom = JSON.parse(writeCycloneDxSbom(catalogue(), image, options)) as Json;
  bom['components'][0]['type'] = 'bogus';
  assert.notEqual(await validator.validate(JSON.stringify(bom)), null);
});

test('cyclonedx sbom without os or manifest digest validates', async () => {
  const validator = new CDX.Validation.JsonStrictValidator(CDX.Spec.Version.v1dot6);
  const bare = { configDigest: CONFIG_DIGEST, diffIds: [BASE_LAYER] };
  const output = writeCycloneDxSbom({ packages: [], warnings: [] }, bare, options);
  assert.equal(await validator.validate(output), null);

  const bom = JSON.parse(output) as Json;
  assert.equal(bom['metadata']['component']['name'], CONFIG_DIGEST);
  assert.equal(bom['metadata']['component']['version'], CONFIG_DIGEST);
  assert.equal(bom['metadata']['component']['purl'], undefined);
  assert.deepEqual(bom['components'], []);
});

test('cyclonedx header fields', () => {
  const bom = render();
  assert.equal(bom['bomFormat'], 'CycloneDX');
  assert.equal(bom['specVersion'], '1.6');
  assert.equal(bom['serialNumber'], `urn:uuid:${options.uuid}`);
  assert.equal(bom['metadata']['timestamp'], '2025-01-02T03:04:05.000Z');
  assert.deepEqual(bom['metadata']['tools']['components'], [{ type: 'application', name: 'bosun', version: '0.1.0' }]);
});

test('cyclonedx image is the metadata component', () => {
  const component = render()['metadata']['component'];
  assert.equal(component['type'], 'container');
  assert.equal(component['name'], 'registry.local:5000/team/app:1.0');
  assert.equal(component['version'], MANIFEST_DIGEST);

  const purl = String(component['purl']);
  assert.match(purl, /^pkg:oci\/app@sha256(:|%3A)a{64}\?/);
  const qualifiers = new URLSearchParams(purl.split('?')[1]);
  assert.equal(qualifiers.get('repository_url'), 'registry.local:5000/team/app');
  assert.equal(qualifiers.get('tag'), '1.0');
  assert.equal(qualifiers.get('arch'), 'amd64');

  assert.deepEqual(component['hashes'], [{ alg: 'SHA-256', content: 'a'.repeat(64) }]);
  assert.deepEqual(property(component, CDX_PROPERTY.imageDiffId), [BASE_LAYER, APP_LAYER]);
  assert.deepEqual(property(component, CDX_PROPERTY.imageConfigDigest), [CONFIG_DIGEST]);
});

test('cyclonedx os component', () => {
  const os = render()['components'].find((c: Json) => c['type'] === 'operating-system');
  assert.ok(os, 'no operating-system component');
  assert.equal(os['name'], 'debian');
  assert.equal(os['version'], '12');
  assert.equal(os['description'], 'Debian GNU/Linux 12 (bookworm)');
  assert.deepEqual(property(os, CDX_PROPERTY.osCodename), ['bookworm']);
});

test('cyclonedx package components and properties', () => {
  const components = render()['components'].filter((c: Json) => c['type'] === 'library');
  assert.equal(components.length, catalogue().packages.length);

  const libssl = components.find((c: Json) => c['name'] === 'libssl3');
  assert.equal(libssl['version'], '3.0.15-1~deb12u1');
  assert.equal(libssl['purl'], 'pkg:deb/debian/libssl3@3.0.15-1~deb12u1?arch=amd64&distro=debian-12');
  assert.equal(libssl['bom-ref'], `${libssl['purl']}|${BASE_LAYER}`);
  assert.deepEqual(property(libssl, CDX_PROPERTY.layerDiffId), [BASE_LAYER]);
  assert.deepEqual(property(libssl, CDX_PROPERTY.source), ['openssl']);
  assert.deepEqual(property(libssl, CDX_PROPERTY.sourceVersion), ['3.0.15-1~deb12u1']);
  assert.deepEqual(property(libssl, CDX_PROPERTY.foundIn), ['var/lib/dpkg/status']);
  assert.deepEqual(libssl['licenses'], [{ license: { id: 'Apache-2.0' } }]);
});

test('cyclonedx bom-refs unique and stable', () => {
  const bom = render();
  const refs = [bom['metadata']['component'], ...bom['components']].map((c: Json) => c['bom-ref']);
  assert.equal(new Set(refs).size, refs.length, `duplicate bom-ref in ${refs.join(', ')}`);

  const lodash = bom['components'].filter((c: Json) => c['name'] === 'lodash').map((c: Json) => c['bom-ref']);
  assert.deepEqual(lodash, [
    `pkg:npm/lodash@4.17.21|${APP_LAYER}|app/node_modules/lodash/package.json`,
    `pkg:npm/lodash@4.17.21|${APP_LAYER}|app/node_modules/x/node_modules/lodash/package.json`,
  ]);
});

test('cyclonedx image depends on every component', () => {
  const bom = render();
  const imageRef = bom['metadata']['component']['bom-ref'];
  const entry = bom['dependencies'].find((d: Json) => d['ref'] === imageRef);
  const componentRefs = bom['components'].map((c: Json) => c['bom-ref']).sort();
  assert.deepEqual([...entry['dependsOn']].sort(), componentRefs);
});

test('cyclonedx output is deterministic', () => {
  const first = writeCycloneDxSbom(catalogue(), image, options);
  const again = writeCycloneDxSbom(catalogue(), image, options);
  const shuffled = { ...catalogue(), packages: reversed(catalogue().packages) };
  assert.equal(again, first);
  assert.equal(writeCycloneDxSbom(shuffled, image, options), first);
});

test('cyclonedx serial number defaults to random uuid', () => {
  const { timestamp, toolVersion } = options;
  const a = buildCycloneDxBom(catalogue(), image, { timestamp, toolVersion }).bom.serialNumber;
  const b = buildCycloneDxBom(catalogue(), image, { timestamp, toolVersion }).bom.serialNumber;
  assert.match(a ?? '', /^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  assert.notEqual(a, b);
});

test('cyclonedx rejects malformed uuid', () => {
  assert.throws(() => buildCycloneDxBom(catalogue(), image, { ...options, uuid: 'not-a-uuid' }), InputError);
});

test('cyclonedx licence choices', () => {
  const cases: Array<{ input: string[]; expected: unknown[] }> = [
    { input: ['MIT'], expected: [{ license: { id: 'MIT' } }] },
    { input: ['mit'], expected: [{ license: { id: 'MIT' } }] },
    { input: ['public-domain'], expected: [{ license: { name: 'public-domain' } }] },
    { input: ['MIT OR Apache-2.0'], expected: [{ expression: 'MIT OR Apache-2.0' }] },
    { input: ['mit or apache-2.0'], expected: [{ expression: 'MIT OR Apache-2.0' }] },
    {
      input: ['GPL-3.0-only WITH GCC-exception-3.1', 'mit', 'BSD-3-clause'],
      expected: [{ expression: '(GPL-3.0-only WITH GCC-exception-3.1) AND MIT AND BSD-3-Clause' }],
    },
    {
      // A free-form name cannot join an expression, so everything is written as a named licence.
      input: ['MIT OR Apache-2.0', 'public-domain'],
      expected: [{ license: { name: 'MIT OR Apache-2.0' } }, { license: { name: 'public-domain' } }],
    },
    { input: ['GPL-3+', 'BSD-4-clause-UC'], expected: [{ license: { name: 'GPL-3+' } }, { license: { id: 'BSD-4-Clause-UC' } }] },
    { input: ['MIT', 'MIT', ' '], expected: [{ license: { id: 'MIT' } }] },
    { input: ['(MIT'], expected: [{ license: { name: '(MIT' } }] },
    { input: ['MIT AND'], expected: [{ license: { name: 'MIT AND' } }] },
  ];
  const serializer = new CDX.Serialize.JsonSerializer(new CDX.Serialize.JSON.Normalize.Factory(CDX.Spec.Spec1dot6));
  for (const { input, expected } of cases) {
    const component = new CDX.Models.Component(CDX.Enums.ComponentType.Library, 'x', { bomRef: 'x' });
    for (const license of cycloneDxLicenses(input)) component.licenses.add(license);
    const bom = new CDX.Models.Bom({ components: new CDX.Models.ComponentRepository([component]) });
    const json = JSON.parse(serializer.serialize(bom)) as Json;
    assert.deepEqual(json['components'][0]['licenses'], expected, `licences ${JSON.stringify(input)}`);
  }
});
