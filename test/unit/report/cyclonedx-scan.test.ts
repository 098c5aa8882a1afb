import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as CDX from '@cyclonedx/cyclonedx-library';
import { ratingMethod, renderCycloneDxScan } from '../../../src/report/cyclonedx.js';
import { APP_LAYER } from '../sbom/fixture.js';
import { report } from './report-fixture.js';

interface Json {
  [key: string]: any;
}

const options = { uuid: '3f2504e0-4f89-41d3-9a0c-0305e82c3301' };

function render(): Json {
  return JSON.parse(renderCycloneDxScan(report(), options)) as Json;
}

function vulnerability(bom: Json, id: string): Json {
  const found = bom['vulnerabilities'].find((v: Json) => v['id'] === id);
  assert.ok(found, `no vulnerability ${id}`);
  return found;
}

test('cyclonedx scan validates against 1.6 schema', async () => {
  const validator = new CDX.Validation.JsonStrictValidator(CDX.Spec.Version.v1dot6);
  const errors = await validator.validate(renderCycloneDxScan(report(), options));
  assert.equal(errors, null, JSON.stringify(errors, null, 2));
});

test('cyclonedx scan has sbom and vulnerabilities', () => {
  const bom = render();
  assert.equal(bom['metadata']['timestamp'], '2025-01-02T03:04:05.000Z');
  assert.equal(bom['components'].filter((c: Json) => c['type'] === 'library').length, report().packages.length);
  assert.deepEqual(bom['vulnerabilities'].map((v: Json) => v['id']), ['GHSA-35jh-r3h4-6jhm', 'CVE-2022-3715', 'CVE-2024-5535', 'CVE-2025-0001']);
});

test('cyclonedx scan affects existing components', () => {
  const bom = render();
  const refs = new Set(bom['components'].map((c: Json) => c['bom-ref']));
  for (const v of bom['vulnerabilities']) {
    assert.ok(v['affects']?.length > 0, `${v['id']} affects nothing`);
    for (const affect of v['affects']) assert.ok(refs.has(affect['ref']), `${v['id']} affects unknown ${affect['ref']}`);
  }

  // lodash appears twice in one layer, so the finding affects both copies.
  const lodash = vulnerability(bom, 'GHSA-35jh-r3h4-6jhm');
  assert.deepEqual(lodash['affects'].map((a: Json) => a['ref']), [
    `pkg:npm/lodash@4.17.21|${APP_LAYER}|app/node_modules/lodash/package.json`,
    `pkg:npm/lodash@4.17.21|${APP_LAYER}|app/node_modules/x/node_modules/lodash/package.json`,
  ]);
  assert.deepEqual(lodash['affects'][0]['versions'], [{ version: '4.17.21', status: 'affected' }]);
});

test('cyclonedx scan ratings and source', () => {
  const bash = vulnerability(render(), 'CVE-2022-3715');
  assert.deepEqual(bash['source'], { name: 'OSV', url: 'https://osv.dev/vulnerability/CVE-2022-3715' });
  assert.deepEqual(bash['ratings'], [
    {
      source: { name: 'OSV', url: 'https://osv.dev/vulnerability/CVE-2022-3715' },
      score: 7.8,
      severity: 'high',
      method: 'CVSSv31',
      vector: 'CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H',
    },
  ]);
  assert.equal(bash['recommendation'], 'Upgrade bash to 5.2.15-2+b8 or later.');
  assert.equal(bash['detail'], 'bash 5.2.15-2+b7 < 5.2.15-2+b8');

  const tzdata = vulnerability(render(), 'CVE-2025-0001');
  assert.equal(tzdata['ratings'][0]['severity'], 'unknown');
  assert.equal(tzdata['ratings'][0]['method'], 'other');
  assert.equal(tzdata['ratings'][0]['score'], undefined);
});

test('cyclonedx scan aliases as references', () => {
  const lodash = vulnerability(render(), 'GHSA-35jh-r3h4-6jhm');
  assert.deepEqual(lodash['references'], [{ id: 'CVE-2021-23337', source: { name: 'OSV', url: 'https://osv.dev/vulnerability/CVE-2021-23337' } }]);
});

test('cyclonedx scan analysis by state', () => {
  const bom = render();
  assert.deepEqual(vulnerability(bom, 'CVE-2022-3715')['analysis'], { state: 'in_triage', response: ['update'] });
  assert.deepEqual(vulnerability(bom, 'GHSA-35jh-r3h4-6jhm')['analysis'], { state: 'in_triage', response: ['will_not_fix'] });
  assert.deepEqual(vulnerability(bom, 'CVE-2024-5535')['analysis'], { state: 'in_triage' });
});

test('cyclonedx scan output is deterministic', () => {
  const shuffled = report();
  shuffled.vulnerabilities.reverse();
  shuffled.packages.reverse();
  assert.equal(renderCycloneDxScan(shuffled, options), renderCycloneDxScan(report(), options));
});

test('rating method from vector', () => {
  const cases: Array<[string | undefined, string]> = [
    [undefined, 'other'],
    ['CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N', 'CVSSv4'],
    ['CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', 'CVSSv31'],
    ['CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', 'CVSSv3'],
    ['AV:N/AC:L/Au:N/C:P/I:P/A:P', 'CVSSv2'],
    ['(AV:N/AC:L/Au:N/C:P/I:P/A:P)', 'CVSSv2'],
    ['garbage', 'other'],
  ];
  for (const [vector, method] of cases) assert.equal(ratingMethod(vector), method, String(vector));
});
