// Findings for the fixture catalogue, and the scan report built from both.
import { buildScanReport } from '../../../src/report/build.js';
import type { Finding, ScanReport } from '../../../src/report/types.js';
import type { Package } from '../../../src/catalog/types.js';
import { APP_LAYER, BASE_LAYER, catalogue, image } from '../sbom/fixture.js';

const debPackage = (name: string, version: string, sourceName?: string): Finding['package'] => ({
  name,
  version,
  ecosystem: 'Debian:12',
  purl: `pkg:deb/debian/${name}@${encodeURIComponent(version)}?arch=amd64&distro=debian-12`,
  ...(sourceName ? { sourceName } : {}),
  layer: BASE_LAYER,
});

export function findings(): Finding[] {
  return [
    {
      id: 'CVE-2024-5535',
      aliases: ['DSA-5700-1'],
      summary: 'SSL_select_next_proto buffer overread',
      severity: 'low',
      score: 3.7,
      vector: 'CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:L/I:N/A:N',
      package: debPackage('libssl3', '3.0.15-1~deb12u1', 'openssl'),
      state: 'unfixed',
      reason: 'libssl3 3.0.15-1~deb12u1 is in the affected range [0, ∞) of Debian:12 openssl',
    },
    {
      id: 'CVE-2022-3715',
      aliases: [],
      summary: 'A heap buffer overflow in valid_parameter_transform in bash, reachable through parameter expansion with a crafted string',
      severity: 'high',
      score: 7.8,
      vector: 'CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H',
      package: debPackage('bash', '5.2.15-2+b7'),
      fixedVersion: '5.2.15-2+b8',
      state: 'fixed-available',
      reason: 'bash 5.2.15-2+b7 < 5.2.15-2+b8',
    },
    {
      id: 'GHSA-35jh-r3h4-6jhm',
      aliases: ['CVE-2021-23337'],
      summary: 'Command injection in lodash\u001b[2J\u001b]0;pwned\u0007 via template',
      severity: 'critical',
      score: 9.8,
      package: { name: 'lodash', version: '4.17.21', ecosystem: 'npm', purl: 'pkg:npm/lodash@4.17.21', layer: APP_LAYER },
      state: 'wont-fix',
      reason: 'fixture: no fixed version',
    },
    {
      id: 'CVE-2025-0001',
      aliases: [],
      severity: 'unknown',
      package: debPackage('tzdata', '2024a-0+deb12u1'),
      state: 'unfixed',
      reason: 'tzdata 2024a-0+deb12u1 is in the affected range',
    },
  ];
}

export function ecosystemOf(pkg: Package): string | null {
  if (pkg.type === 'deb') return 'Debian:12';
  return pkg.type === 'npm' ? 'npm' : null;
}

export function report(overrides: Partial<ScanReport> = {}): ScanReport {
  const built = buildScanReport({
    target: 'registry.local:5000/team/app:1.0',
    image,
    catalogue: catalogue(),
    findings: findings(),
    warnings: [{ code: 'image.no-manifest', message: 'engine image has no repo digest' }],
    ecosystemOf,
    bosunVersion: '0.1.0',
    scannedAt: new Date('2025-01-02T03:04:05Z'),
  });
  return { ...built, ...overrides };
}
