import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import * as CDX from '@cyclonedx/cyclonedx-library';
import { runCli, repoRoot } from '../helpers/cli.js';
import { docker, ensureLab, labSkipReason, type Lab } from '../helpers/lab.js';

// End-to-end checks of `bosun sbom`, `bosun scan` and `bosun db` on the lab's real Debian images,
// through every image source, against the package list dpkg-query prints inside the container.

const skip = labSkipReason();

interface JsonPackage {
  name: string;
  version: string;
  ecosystem: string | null;
  purl: string;
  sourceName?: string;
  sourceVersion?: string;
  layer: string;
}

interface JsonFinding {
  id: string;
  aliases: string[];
  severity: string;
  fixedVersion?: string;
  state: string;
  package: { name: string; version: string; ecosystem: string; sourceName?: string; layer: string };
}

interface JsonReport {
  target: string;
  image: { digest?: string; configDigest: string; diffIds: string[] };
  os: { id: string; version: string } | null;
  packages: JsonPackage[];
  vulnerabilities: JsonFinding[];
  summary: { packages: number };
}

describe('bosun CLI on lab images', { skip }, () => {
  let lab: Lab;
  let work: string;
  let dataDir: string;
  let archive: string;
  let expected: string[];

  before(() => {
    lab = ensureLab();
    work = mkdtempSync(path.join(os.tmpdir(), 'bosun-cli-'));
    dataDir = path.join(work, 'data');
    archive = path.join(work, 'app.tar');
    docker(lab, ['save', '-o', archive, 'lab/app:1']);
    expected = dpkgQuery(lab, 'lab/app:1');
  });

  after(() => rmSync(work, { recursive: true, force: true }));

  const env = (): Record<string, string> => ({ BOSUN_DATA_DIR: dataDir, DOCKER_HOST: `unix://${lab.dockerSock}` });

  test('db import loads example advisories', async () => {
    const result = await runCli(['db', 'import', path.join(repoRoot, 'examples/osv'), '--json'], env());
    assert.equal(result.code, 0, result.stderr);
    const imported = JSON.parse(result.stdout) as { imported: number; skipped: unknown[] };
    assert.ok(imported.imported >= 5, result.stdout);
    assert.deepEqual(imported.skipped, []);
  });

  const sources: Array<[string, (lab: Lab) => string]> = [
    ['registry', (l) => `${l.registry}/lab/app:1`],
    ['docker-archive', () => `docker-archive:${archive}`],
    ['oci layout', (l) => `oci:${l.ociLayout}:app-1`],
    ['docker engine', () => 'docker-daemon:lab/app:1'],
  ];
  for (const [name, target] of sources) {
    test(`sbom from ${name} equals dpkg-query`, async () => {
      const result = await runCli(['sbom', target(lab), '--format', 'json'], env());
      assert.equal(result.code, 0, result.stderr);
      const sbom = JSON.parse(result.stdout) as { packages: JsonPackage[] };
      const found = sbom.packages.map((p) => `${p.name} ${p.version}`).sort();
      assert.deepEqual(found, expected);
    });
  }

  test('sbom from podman equals dpkg-query', async (t) => {
    if (!lab.podmanSock) {
      t.skip('the lab runs without podman (WITH_PODMAN=0)');
      return;
    }
    const result = await runCli(['sbom', `podman:${lab.registry}/lab/app:1`, '--format', 'json'], {
      ...env(),
      BOSUN_PODMAN_HOST: `unix://${lab.podmanSock}`,
    });
    assert.equal(result.code, 0, result.stderr);
    const sbom = JSON.parse(result.stdout) as { packages: JsonPackage[] };
    assert.deepEqual(sbom.packages.map((p) => `${p.name} ${p.version}`).sort(), expected);
  });

  test('scan json follows the contract', async () => {
    const result = await runCli(['scan', `${lab.registry}/lab/app:1`, '--format', 'json'], env());
    assert.equal(result.code, 0, result.stderr);
    const report = JSON.parse(result.stdout) as JsonReport;

    assert.equal(report.target, `${lab.registry}/lab/app:1`);
    assert.equal(report.image.digest, lab.appDigest);
    assert.deepEqual(report.os && { id: report.os.id, version: report.os.version }, { id: 'debian', version: '12' });
    assert.equal(report.summary.packages, expected.length);

    const zlib = report.packages.find((p) => p.name === 'zlib1g');
    assert.ok(zlib, 'zlib1g is listed');
    assert.equal(zlib.ecosystem, 'Debian:12');
    assert.equal(zlib.sourceName, 'zlib');
    assert.match(zlib.purl, /^pkg:deb\/debian\/zlib1g@/);
    assert.equal(zlib.layer, lab.baseDiffId);

    const example = report.vulnerabilities.find((v) => v.id === 'BOSUN-EXAMPLE-2026-0001');
    assert.ok(example, 'the example zlib advisory matches zlib1g through its source package');
    assert.equal(example.package.name, 'zlib1g');
    assert.equal(example.package.sourceName, 'zlib');
    assert.equal(example.fixedVersion, '1:1.2.13.dfsg-1+deb12u99');
    assert.equal(example.severity, 'critical');
    assert.equal(example.state, 'fixed-available');

    const looney = report.vulnerabilities.find((v) => v.id === 'DEBIAN-CVE-2023-4911');
    assert.equal(looney, undefined, 'glibc is newer than the fix for CVE-2023-4911');

    const glob = report.vulnerabilities.filter((v) => v.id === 'DEBIAN-CVE-2010-4756').map((v) => v.package.name).sort();
    assert.deepEqual(glob, ['libc-bin', 'libc6']);
    assert.ok(report.vulnerabilities.filter((v) => v.id === 'DEBIAN-CVE-2010-4756').every((v) => v.state === 'wont-fix'));
  });

  test('scan --fail-on sets the exit code', async () => {
    const failing = await runCli(['scan', `oci:${lab.ociLayout}:debian-bookworm`, '--fail-on', 'critical'], env());
    assert.equal(failing.code, 1, failing.stderr);
    assert.match(failing.stdout, /BOSUN-EXAMPLE-2026-0001/);
    assert.match(failing.stderr, /at or above critical severity \(--fail-on critical\)/);

    const clean = await runCli(['scan', `oci:${lab.ociLayout}:debian-bookworm`, '--fail-on', 'critical'], {
      ...env(),
      BOSUN_DATA_DIR: path.join(work, 'no-advisories'),
    });
    assert.equal(clean.code, 0, clean.stderr);
    assert.match(clean.stdout, /warning: no Debian advisories are stored/);
  });

  test('warm rescan reads no cached layer', async () => {
    const fresh = path.join(work, 'warm');
    const first = await runCli(['--log-level', 'info', 'sbom', `docker-archive:${archive}`, '--format', 'json'], { ...env(), BOSUN_DATA_DIR: fresh });
    const second = await runCli(['--log-level', 'info', 'sbom', `docker-archive:${archive}`, '--format', 'json'], { ...env(), BOSUN_DATA_DIR: fresh });
    assert.equal(first.code, 0, first.stderr);
    assert.equal(second.code, 0, second.stderr);
    assert.equal(catalogued(first.stderr).cachedLayers, 0);
    const warm = catalogued(second.stderr);
    assert.equal(warm.cachedLayers, warm.layers);
    const withoutTime = (text: string): unknown => ({ ...(JSON.parse(text) as object), scannedAt: undefined });
    assert.deepEqual(withoutTime(second.stdout), withoutTime(first.stdout));
    assert.equal(second.stdout.replace(/"scannedAt".*\n/, ''), first.stdout.replace(/"scannedAt".*\n/, ''), 'same key order');
  });

  test('cyclonedx sbom of a real image validates', async () => {
    const result = await runCli(['sbom', `${lab.registry}/lab/app:1`, '--format', 'cyclonedx'], env());
    assert.equal(result.code, 0, result.stderr);
    const validator = new CDX.Validation.JsonStrictValidator(CDX.Spec.Version.v1dot6);
    assert.equal(await validator.validate(result.stdout), null);
    const bom = JSON.parse(result.stdout) as { specVersion: string; components: Array<{ type: string }> };
    assert.equal(bom.specVersion, '1.6');
    assert.equal(bom.components.filter((c) => c.type === 'library').length, expected.length);
  });

  test('spdx sbom of a real image lists every package', async () => {
    const result = await runCli(['sbom', `${lab.registry}/lab/app:1`, '--format', 'spdx'], env());
    assert.equal(result.code, 0, result.stderr);
    const doc = JSON.parse(result.stdout) as { spdxVersion: string; packages: Array<{ SPDXID: string; externalRefs?: Array<{ referenceType: string }> }> };
    assert.equal(doc.spdxVersion, 'SPDX-2.3');
    const withPurl = doc.packages.filter((p) => p.externalRefs?.some((r) => r.referenceType === 'purl'));
    assert.ok(withPurl.length >= expected.length, `${withPurl.length} packages with a purl`);
  });

  test('image rebuilt without a package drops it', async () => {
    const tag = 'bosun-test/purged:1';
    docker(lab, ['build', '-q', '--network', 'none', '-t', tag, '-'], 'FROM lab/debian:bookworm\nRUN dpkg --purge --force-depends libsemanage-common\n');
    try {
      const result = await runCli(['sbom', `docker-daemon:${tag}`, '--format', 'json'], env());
      assert.equal(result.code, 0, result.stderr);
      const names = (JSON.parse(result.stdout) as { packages: JsonPackage[] }).packages.map((p) => p.name);
      assert.ok(!names.includes('libsemanage-common'));
      assert.deepEqual(names.map((n) => n).sort(), dpkgQuery(lab, tag).map((line) => line.split(' ')[0]!).sort());
    } finally {
      docker(lab, ['rmi', '-f', tag]);
    }
  });
});

describe('bosun CLI errors', () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'bosun-cli-err-'));
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  const cases: Array<[string, string[], RegExp]> = [
    ['missing archive', ['sbom', 'docker-archive:/nonexistent/app.tar'], /\/nonexistent\/app\.tar/],
    ['misspelt transport', ['sbom', 'docker-archiv:/tmp/app.tar'], /docker-archiv:\/tmp\/app\.tar/],
    ['closed registry port', ['sbom', '127.0.0.1:1/lab/app:1'], /127\.0\.0\.1:1/],
    ['missing advisory source', ['db', 'import', '/nonexistent/osv'], /\/nonexistent\/osv/],
    ['empty advisory source', ['db', 'import', ''], /advisory source is empty/],
    ['bad fail-on severity', ['scan', 'dir:/nonexistent', '--fail-on', 'severe'], /severe/],
  ];
  for (const [name, args, pattern] of cases) {
    test(`${name} gives a clear error`, async () => {
      const result = await runCli(args, { BOSUN_DATA_DIR: dataDir });
      assert.ok(result.code === 2 || result.code === 3, `exit ${result.code}: ${result.stderr}`);
      assert.match(result.stderr, pattern);
      assert.match(result.stderr, /^bosun: /m);
      assert.doesNotMatch(result.stderr, /\n\s+at .*\(.*:\d+:\d+\)/, 'no stack trace');
    });
  }
});

test('unknown option exits 2', async () => {
  const result = await runCli(['scan', '--bogus', 'dir:/tmp']);
  assert.equal(result.code, 2, result.stderr);
  assert.match(result.stderr, /unknown option '--bogus'/);
});

function dpkgQuery(lab: Lab, image: string): string[] {
  return docker(lab, ['run', '--rm', '--network', 'none', image, 'dpkg-query', '-W', '-f', '${Package} ${Version}\\n'])
    .trim()
    .split('\n')
    .sort();
}

function catalogued(stderr: string): { layers: number; cachedLayers: number } {
  for (const line of stderr.split('\n')) {
    if (!line.startsWith('{')) continue;
    const entry = JSON.parse(line) as { msg?: string; layers?: number; cachedLayers?: number };
    if (entry.msg === 'image catalogued') return { layers: entry.layers ?? -1, cachedLayers: entry.cachedLayers ?? -1 };
  }
  throw new Error(`no "image catalogued" log line in:\n${stderr}`);
}
