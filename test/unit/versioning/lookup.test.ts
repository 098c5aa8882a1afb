import assert from 'node:assert/strict';
import { test } from 'node:test';
import { schemeForEcosystem, schemeForPackageType } from '../../../src/versioning/index.js';

const ECOSYSTEMS: Array<[string, string]> = [
  ['Debian', 'dpkg'],
  ['Debian:12', 'dpkg'],
  ['Ubuntu', 'dpkg'],
  ['Ubuntu:22.04:LTS', 'dpkg'],
  ['Ubuntu:Pro:18.04:LTS', 'dpkg'],
  ['Alpine', 'apk'],
  ['Alpine:v3.20', 'apk'],
  ['Wolfi', 'apk'],
  ['Chainguard', 'apk'],
  ['AlmaLinux', 'rpm'],
  ['AlmaLinux:9', 'rpm'],
  ['Rocky Linux', 'rpm'],
  ['Rocky Linux:9', 'rpm'],
  ['Red Hat', 'rpm'],
  ['Red Hat:enterprise_linux:9::appstream', 'rpm'],
  ['openSUSE', 'rpm'],
  ['openSUSE:Leap 15.5', 'rpm'],
  ['SUSE', 'rpm'],
  ['SUSE:Linux Enterprise Server 15 SP5', 'rpm'],
  ['Fedora', 'rpm'],
  ['Mageia', 'rpm'],
  ['Mageia:9', 'rpm'],
  ['openEuler', 'rpm'],
  ['openEuler:22.03-LTS-SP2', 'rpm'],
  ['Photon OS:5.0', 'rpm'],
  ['Azure Linux', 'rpm'],
  ['npm', 'semver'],
  ['crates.io', 'semver'],
  ['Go', 'go'],
  ['PyPI', 'pep440'],
  ['Maven', 'maven'],
  ['RubyGems', 'generic'],
  ['NuGet', 'generic'],
  ['Packagist', 'generic'],
  ['Hex', 'generic'],
  ['unknown-ecosystem', 'generic'],
  ['', 'generic'],
  ['debian:11', 'dpkg'],
  ['PYPI', 'pep440'],
  [' Alpine:v3.19 ', 'apk'],
];

const PACKAGE_TYPES: Array<[string, string]> = [
  ['deb', 'dpkg'],
  ['apk', 'apk'],
  ['rpm', 'rpm'],
  ['npm', 'semver'],
  ['cargo', 'semver'],
  ['golang', 'go'],
  ['pypi', 'pep440'],
  ['maven', 'maven'],
  ['gem', 'generic'],
  ['nuget', 'generic'],
  ['generic', 'generic'],
  ['DEB', 'dpkg'],
];

test('schemeForEcosystem maps OSV ecosystems', () => {
  for (const [ecosystem, expected] of ECOSYSTEMS) {
    assert.equal(schemeForEcosystem(ecosystem).name, expected, `ecosystem ${JSON.stringify(ecosystem)}`);
  }
});

test('schemeForPackageType maps purl types', () => {
  for (const [type, expected] of PACKAGE_TYPES) {
    assert.equal(schemeForPackageType(type).name, expected, `package type ${JSON.stringify(type)}`);
  }
});
