import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { InputError } from '../../../src/common/errors.js';
import { renderJson } from '../../../src/report/json.js';
import { parseScanReport } from '../../../src/report/schema.js';
import { APP_LAYER, BASE_LAYER, catalogue, CONFIG_DIGEST, MANIFEST_DIGEST } from '../sbom/fixture.js';
import { report } from './report-fixture.js';

test('report top-level fields in order', () => {
  const parsed = JSON.parse(renderJson(report())) as Record<string, unknown>;
  assert.deepEqual(Object.keys(parsed), [
    'schemaVersion', 'target', 'image', 'os', 'packages', 'vulnerabilities', 'warnings', 'summary', 'scannedAt', 'bosunVersion',
  ]);
  assert.equal(parsed['schemaVersion'], 1);
  assert.equal(parsed['target'], 'registry.local:5000/team/app:1.0');
  assert.equal(parsed['scannedAt'], '2025-01-02T03:04:05.000Z');
  assert.equal(parsed['bosunVersion'], '0.1.0');
});

test('report image and os', () => {
  const built = report();
  assert.deepEqual(built.image, {
    reference: 'registry.local:5000/team/app:1.0',
    digest: MANIFEST_DIGEST,
    configDigest: CONFIG_DIGEST,
    diffIds: [BASE_LAYER, APP_LAYER],
    platform: 'linux/amd64',
  });
  assert.deepEqual(built.os, { id: 'debian', version: '12', codename: 'bookworm' });
});

test('report packages carry ecosystem and layer', () => {
  const built = report();
  assert.equal(built.packages.length, catalogue().packages.length);
  const libssl = built.packages.find((p) => p.name === 'libssl3');
  assert.deepEqual(libssl, {
    name: 'libssl3',
    version: '3.0.15-1~deb12u1',
    ecosystem: 'Debian:12',
    type: 'deb',
    purl: 'pkg:deb/debian/libssl3@3.0.15-1~deb12u1?arch=amd64&distro=debian-12',
    arch: 'amd64',
    sourceName: 'openssl',
    sourceVersion: '3.0.15-1~deb12u1',
    licenses: ['Apache-2.0'],
    layer: BASE_LAYER,
    foundIn: 'var/lib/dpkg/status',
  });
  assert.equal(built.packages.find((p) => p.name === 'lodash')?.ecosystem, 'npm');
});

test('report vulnerabilities sorted by severity', () => {
  const ids = report().vulnerabilities.map((v) => `${v.severity}:${v.id}`);
  assert.deepEqual(ids, ['critical:GHSA-35jh-r3h4-6jhm', 'high:CVE-2022-3715', 'low:CVE-2024-5535', 'unknown:CVE-2025-0001']);
});

test('report summary counts', () => {
  assert.deepEqual(report().summary, {
    packages: catalogue().packages.length,
    vulnerabilities: { critical: 1, high: 1, medium: 0, low: 1, unknown: 1 },
  });
});

test('report warnings image first', () => {
  assert.deepEqual(
    report().warnings.map((w) => w.code),
    ['image.no-manifest', 'dpkg.truncated'],
  );
  assert.deepEqual(report().warnings[1], {
    code: 'dpkg.truncated',
    message: 'status file ends mid-paragraph',
    layer: BASE_LAYER,
    path: 'var/lib/dpkg/status',
  });
});

test('report json round trip', () => {
  const built = report();
  const text = renderJson(built);
  assert.ok(text.endsWith('}\n'));
  assert.deepEqual(parseScanReport(text, 'report.json'), built);
});

test('report json output stable', () => {
  const reordered = report();
  const { reference, digest, configDigest, diffIds, platform } = reordered.image;
  reordered.image = { platform, diffIds, configDigest, digest, reference };
  assert.deepEqual(Object.keys(reordered.image), ['platform', 'diffIds', 'configDigest', 'digest', 'reference']);
  assert.equal(renderJson(reordered), renderJson(report()));
});

test('render json rejects contract breach', () => {
  const bad = report();
  (bad.vulnerabilities[0] as { severity: string }).severity = 'severe';
  assert.throws(() => renderJson(bad), /does not match its JSON contract at vulnerabilities\.0\.severity/);
});

test('parse report rejects bad input', () => {
  const good = JSON.parse(renderJson(report())) as Record<string, any>;
  const cases: Array<{ name: string; text: string; message: RegExp }> = [
    { name: 'not json', text: '{"schemaVersion":', message: /not JSON/ },
    { name: 'newer schema', text: JSON.stringify({ ...good, schemaVersion: 2 }), message: /schemaVersion 2, expected 1/ },
    { name: 'no schema', text: '{}', message: /schemaVersion missing/ },
    { name: 'bad digest', text: JSON.stringify({ ...good, image: { ...good['image'], configDigest: 'sha256:xyz' } }), message: /image\.configDigest/ },
    { name: 'missing target', text: JSON.stringify({ ...good, target: undefined }), message: /target/ },
    { name: 'bad state', text: JSON.stringify({ ...good, vulnerabilities: [{ ...good['vulnerabilities'][0], state: 'gone' }] }), message: /vulnerabilities\.0\.state/ },
  ];
  for (const { name, text, message } of cases) {
    assert.throws(() => parseScanReport(text, 'r.json'), (error: unknown) => {
      assert.ok(error instanceof InputError, `${name}: not an InputError`);
      assert.match(error.message, message, name);
      assert.match(error.message, /r\.json/, name);
      assert.ok(error.hint, `${name}: no hint`);
      return true;
    });
  }
});

test('docs example matches contract', () => {
  const doc = readFileSync(new URL('../../../docs/json-output.md', import.meta.url), 'utf8');
  const example = /```json\n([\s\S]*?)\n```/.exec(doc)?.[1];
  assert.ok(example, 'docs/json-output.md has no json example');
  const parsed = parseScanReport(example, 'docs/json-output.md');
  assert.equal(parsed.schemaVersion, 1);
  assert.deepEqual(JSON.parse(example), parsed, 'the example has fields the contract does not define');
});
