import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildSarif, renderSarif, SARIF_SCHEMA, type SarifLog } from '../../../src/report/sarif.js';
import { report } from './report-fixture.js';

const LEVELS = new Set(['none', 'note', 'warning', 'error']);

// Checks the SARIF 2.1.0 fields that consumers rely on: version and $schema, runs with
// tool.driver.name, and results with ruleId, message.text and a level from the set the spec
// allows, where ruleIndex points at the rule with that id. No SARIF schema is installed.
function checkSarif(log: SarifLog): void {
  assert.equal(log.version, '2.1.0');
  assert.equal(log.$schema, SARIF_SCHEMA);
  assert.ok(Array.isArray(log.runs), 'runs is not an array');
  assert.ok(log.runs.length > 0, 'no runs');

  for (const run of log.runs) {
    assert.ok(run.tool.driver.name.length > 0, 'driver has no name');
    const ids = run.tool.driver.rules.map((rule) => rule.id);
    assert.equal(new Set(ids).size, ids.length, 'rule ids are not unique');

    for (const result of run.results) {
      assert.ok(result.ruleId.length > 0, 'result without ruleId');
      assert.ok(result.message.text.length > 0, `${result.ruleId}: empty message`);
      assert.ok(LEVELS.has(result.level), `${result.ruleId}: level ${result.level}`);
      assert.equal(run.tool.driver.rules[result.ruleIndex]?.id, result.ruleId, `${result.ruleId}: ruleIndex ${result.ruleIndex}`);
    }
  }
}

test('sarif log meets 2.1.0 requirements', () => {
  checkSarif(buildSarif(report()));
});

test('sarif checker rejects wrong rule index', () => {
  const log = buildSarif(report());
  const result = log.runs[0]!.results[0]!;
  result.ruleIndex = (result.ruleIndex + 1) % log.runs[0]!.tool.driver.rules.length;
  assert.throws(() => checkSarif(log), assert.AssertionError);
});

test('sarif rules one per advisory', () => {
  const twice = report();
  twice.vulnerabilities.push({ ...twice.vulnerabilities[1]!, package: { ...twice.vulnerabilities[1]!.package, name: 'bash-static' } });
  const log = buildSarif(twice);
  const rules = log.runs[0]!.tool.driver.rules;
  assert.deepEqual(rules.map((r) => r.id), ['CVE-2022-3715', 'CVE-2024-5535', 'CVE-2025-0001', 'GHSA-35jh-r3h4-6jhm']);
  assert.equal(log.runs[0]!.results.filter((r) => r.ruleId === 'CVE-2022-3715').length, 2);
  checkSarif(log);
});

test('sarif rule metadata', () => {
  const rules = buildSarif(report()).runs[0]!.tool.driver.rules;
  const bash = rules.find((r) => r.id === 'CVE-2022-3715');
  assert.equal(bash?.helpUri, 'https://osv.dev/vulnerability/CVE-2022-3715');
  assert.equal(bash?.defaultConfiguration.level, 'error');
  assert.equal(bash?.properties['security-severity'], '7.8');
  assert.deepEqual(bash?.properties.tags, ['security', 'vulnerability', 'high']);
  assert.match(rules.find((r) => r.id === 'GHSA-35jh-r3h4-6jhm')?.help.text ?? '', /Also known as CVE-2021-23337\./);
  assert.equal(rules.find((r) => r.id === 'CVE-2025-0001')?.properties['security-severity'], undefined);
});

test('sarif levels from severity', () => {
  const levels = Object.fromEntries(buildSarif(report()).runs[0]!.results.map((r) => [r.ruleId, r.level]));
  assert.deepEqual(levels, {
    'GHSA-35jh-r3h4-6jhm': 'error',
    'CVE-2022-3715': 'error',
    'CVE-2024-5535': 'note',
    'CVE-2025-0001': 'warning',
  });
});

test('sarif result locations', () => {
  const results = buildSarif(report()).runs[0]!.results;
  const bash = results.find((r) => r.ruleId === 'CVE-2022-3715');
  assert.deepEqual(bash?.locations[0]?.physicalLocation, { artifactLocation: { uri: 'var/lib/dpkg/status' } });
  assert.deepEqual(bash?.locations[0]?.logicalLocations, [
    { name: 'bash', fullyQualifiedName: 'pkg:deb/debian/bash@5.2.15-2%2Bb7?arch=amd64&distro=debian-12', kind: 'module' },
  ]);
  const lodash = results.find((r) => r.ruleId === 'GHSA-35jh-r3h4-6jhm');
  assert.equal(lodash?.locations[0]?.physicalLocation?.artifactLocation.uri, 'app/node_modules/lodash/package.json');
});

test('sarif result without package entry', () => {
  const orphan = report();
  orphan.vulnerabilities[0]!.package.purl = 'pkg:npm/missing@1.0.0';
  const result = buildSarif(orphan).runs[0]!.results[0]!;
  assert.equal(result.locations[0]?.physicalLocation, undefined);
  assert.equal(result.locations[0]?.logicalLocations[0]?.fullyQualifiedName, 'pkg:npm/missing@1.0.0');
});

test('sarif result message and properties', () => {
  const results = buildSarif(report()).runs[0]!.results;
  const bash = results.find((r) => r.ruleId === 'CVE-2022-3715');
  assert.match(bash?.message.text ?? '', /^bash 5\.2\.15-2\+b7 is affected by CVE-2022-3715 \(high\): .*\. Fixed in 5\.2\.15-2\+b8\.$/);
  assert.equal(bash?.properties['fixedVersion'], '5.2.15-2+b8');
  assert.equal(bash?.properties['state'], 'fixed-available');
  assert.equal(bash?.properties['installedVersion'], '5.2.15-2+b7');
  assert.match(results.find((r) => r.ruleId === 'GHSA-35jh-r3h4-6jhm')?.message.text ?? '', /will not fix it\.$/);
  assert.match(results.find((r) => r.ruleId === 'CVE-2025-0001')?.message.text ?? '', /No fixed version is available yet\.$/);
});

test('sarif fingerprints stable across upgrade', () => {
  const before = buildSarif(report()).runs[0]!.results.find((r) => r.ruleId === 'CVE-2024-5535');
  const upgraded = report();
  const finding = upgraded.vulnerabilities.find((v) => v.id === 'CVE-2024-5535')!;
  finding.package.version = '3.0.16-1~deb12u1';
  const after = buildSarif(upgraded).runs[0]!.results.find((r) => r.ruleId === 'CVE-2024-5535');
  assert.deepEqual(after?.partialFingerprints, before?.partialFingerprints);

  const other = buildSarif(report()).runs[0]!.results.find((r) => r.ruleId === 'CVE-2022-3715');
  assert.notDeepEqual(other?.partialFingerprints, before?.partialFingerprints);
});

test('sarif run properties and json', () => {
  const text = renderSarif(report());
  assert.ok(text.endsWith('\n'));
  const log = JSON.parse(text) as SarifLog;
  assert.equal(log.runs[0]?.tool.driver.version, '0.1.0');
  assert.equal(log.runs[0]?.properties['target'], 'registry.local:5000/team/app:1.0');
  assert.equal(log.runs[0]?.properties['imageDigest'], report().image.digest);
});

test('sarif empty report', () => {
  const log = buildSarif(report({ vulnerabilities: [] }));
  checkSarif(log);
  assert.deepEqual(log.runs[0]?.results, []);
  assert.deepEqual(log.runs[0]?.tool.driver.rules, []);
});
