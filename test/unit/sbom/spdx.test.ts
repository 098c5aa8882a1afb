import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SPDX } from '@cyclonedx/cyclonedx-library';
import { licenseRefId, spdxLicenseExpression } from '../../../src/catalog/sbom/license.js';
import { buildSpdxDocument, writeSpdxSbom, type SpdxDocument } from '../../../src/catalog/sbom/spdx.js';
import { APP_LAYER, BASE_LAYER, catalogue, CONFIG_DIGEST, image, reversed } from './fixture.js';

// No installed package ships the SPDX 2.3 JSON schema (the cyclonedx library's SPDX schema is
// only the licence id list). checkSpdx23 therefore checks these clauses of the SPDX 2.3 spec:
//   6.1 spdxVersion is "SPDX-2.3".
//   6.2 dataLicense is "CC0-1.0".
//   6.3 SPDXID is "SPDXRef-DOCUMENT".
//   6.4 name is present.
//   6.5 documentNamespace is an absolute URI without "#".
//   6.8 creators exist, each starting "Tool: ", "Organization: " or "Person: ".
//   6.9 created has the form YYYY-MM-DDThh:mm:ssZ.
//   7.1 each package has a name.
//   7.2 each package SPDXID matches "SPDXRef-[A-Za-z0-9.-]+" and is unique in the document.
//   7.7 each package has a downloadLocation.
//   7.8 and 7.9 filesAnalyzed is false, so no packageVerificationCode is needed.
//   7.13 and 7.15 licenseConcluded and licenseDeclared are an expression, NONE or NOASSERTION.
//   7.21 externalRefs have a category, a type and a locator.
//   10.1 and 10.2 every LicenseRef used is declared with a licenseId and an extractedText.
//   11.1 relationships name elements of the document, and the document DESCRIBES one.
function checkSpdx23(doc: SpdxDocument): void {
  assert.equal(doc.spdxVersion, 'SPDX-2.3');
  assert.equal(doc.dataLicense, 'CC0-1.0');
  assert.equal(doc.SPDXID, 'SPDXRef-DOCUMENT');
  assert.ok(doc.name.length > 0, 'document name is empty');
  const namespace = new URL(doc.documentNamespace);
  assert.ok(namespace.protocol.length > 1, 'namespace has no scheme');
  assert.ok(!doc.documentNamespace.includes('#'), 'namespace contains #');

  assert.ok(doc.creationInfo.creators.length > 0, 'no creators');
  for (const creator of doc.creationInfo.creators) assert.match(creator, /^(Tool|Organization|Person): \S/);
  assert.match(doc.creationInfo.created, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);

  const ids = new Set<string>(['SPDXRef-DOCUMENT']);
  const licenseRefs = new Set<string>();
  for (const pkg of doc.packages) {
    assert.ok(pkg.name.length > 0, `package ${pkg.SPDXID} has no name`);
    assert.match(pkg.SPDXID, /^SPDXRef-[A-Za-z0-9.-]+$/);
    assert.ok(!ids.has(pkg.SPDXID), `duplicate SPDXID ${pkg.SPDXID}`);
    ids.add(pkg.SPDXID);
    assert.ok(pkg.downloadLocation.length > 0, `package ${pkg.SPDXID} has no downloadLocation`);
    assert.equal(pkg.filesAnalyzed, false);
    assert.ok(!('packageVerificationCode' in pkg));
    for (const license of [pkg.licenseConcluded, pkg.licenseDeclared]) {
      assertLicenseField(license, pkg.SPDXID);
      for (const ref of license.match(/LicenseRef-[A-Za-z0-9.-]+/g) ?? []) licenseRefs.add(ref);
    }
    for (const ref of pkg.externalRefs ?? []) {
      assert.equal(ref.referenceCategory, 'PACKAGE-MANAGER');
      assert.equal(ref.referenceType, 'purl');
      assert.match(ref.referenceLocator, /^pkg:[a-z]+\//);
    }
  }

  const declared = new Map((doc.hasExtractedLicensingInfos ?? []).map((info) => [info.licenseId, info]));
  for (const ref of licenseRefs) {
    assert.ok(declared.has(ref), `${ref} is used but not declared`);
    assert.ok((declared.get(ref)?.extractedText ?? '').length > 0, `${ref} has no extractedText`);
  }

  for (const rel of doc.relationships) {
    assert.ok(ids.has(rel.spdxElementId), `relationship from unknown ${rel.spdxElementId}`);
    assert.ok(ids.has(rel.relatedSpdxElement), `relationship to unknown ${rel.relatedSpdxElement}`);
  }
  assert.ok(doc.relationships.some((r) => r.spdxElementId === 'SPDXRef-DOCUMENT' && r.relationshipType === 'DESCRIBES'));
}

/** Accepts NONE, NOASSERTION or ids, LicenseRefs, operators and brackets with balanced brackets. */
function assertLicenseField(value: string, owner: string): void {
  if (value === 'NONE' || value === 'NOASSERTION') return;
  let depth = 0;
  for (const token of value.match(/\(|\)|[^\s()]+/g) ?? []) {
    if (token === '(') depth += 1;
    else if (token === ')') depth -= 1;
    else if (!['AND', 'OR', 'WITH'].includes(token)) {
      const id = token.replace(/\+$/, '');
      const known = SPDX.isSupportedSpdxId(id) || /^LicenseRef-[A-Za-z0-9.-]+$/.test(id) || /exception/i.test(id);
      assert.ok(known, `${owner}: "${token}" in "${value}" is not an SPDX licence id or LicenseRef`);
    }
    assert.ok(depth >= 0, `${owner}: unbalanced brackets in "${value}"`);
  }
  assert.equal(depth, 0, `${owner}: unbalanced brackets in "${value}"`);
}

const options = { toolVersion: '0.1.0', timestamp: new Date('2025-01-02T03:04:05.678Z'), uuid: '3f2504e0-4f89-41d3-9a0c-0305e82c3301' };

test('spdx document meets 2.3 required fields', () => {
  checkSpdx23(buildSpdxDocument(catalogue(), image, options));
});

test('spdx checker rejects broken document', () => {
  // Proves checkSpdx23 can fail, one broken field at a time.
  const breakages: Array<(doc: SpdxDocument) => void> = [
    (doc) => { doc.documentNamespace = 'https://example.invalid/x#1'; },
    (doc) => { doc.packages[1]!.SPDXID = doc.packages[0]!.SPDXID; },
    (doc) => { doc.packages[2]!.SPDXID = 'SPDXRef-has space'; },
    (doc) => { doc.relationships.push({ spdxElementId: 'SPDXRef-DOCUMENT', relationshipType: 'DESCRIBES', relatedSpdxElement: 'SPDXRef-missing' }); },
    (doc) => { doc.hasExtractedLicensingInfos = []; },
    (doc) => { doc.creationInfo.created = '2025-01-02T03:04:05.678Z'; },
    (doc) => { doc.packages[3]!.licenseDeclared = 'Not A Licence'; },
  ];
  for (const [i, breakIt] of breakages.entries()) {
    const doc = buildSpdxDocument(catalogue(), image, options);
    breakIt(doc);
    assert.throws(() => checkSpdx23(doc), assert.AssertionError, `breakage ${i} passed the check`);
  }
});

test('spdx document without os or digest meets 2.3', () => {
  const doc = buildSpdxDocument({ packages: [], warnings: [] }, { configDigest: CONFIG_DIGEST, diffIds: [BASE_LAYER] }, options);
  checkSpdx23(doc);
  assert.equal(doc.packages.length, 1);
  assert.equal(doc.packages[0]?.versionInfo, CONFIG_DIGEST);
  assert.equal(doc.packages[0]?.externalRefs, undefined);
});

test('spdx creation info and namespace', () => {
  const doc = buildSpdxDocument(catalogue(), image, options);
  assert.deepEqual(doc.creationInfo, { created: '2025-01-02T03:04:05Z', creators: ['Tool: bosun-0.1.0'] });
  assert.equal(doc.documentNamespace, `https://bosun.invalid/spdx/registry.local-5000-team-app-1.0-${options.uuid}`);
  assert.equal(doc.name, image.reference);

  const other = buildSpdxDocument(catalogue(), image, { ...options, uuid: undefined, namespaceBase: 'https://sbom.example.org/' });
  assert.match(other.documentNamespace, /^https:\/\/sbom\.example\.org\/registry\.local-5000-team-app-1\.0-[0-9a-f-]{36}$/);
});

test('spdx image package and relationships', () => {
  const doc = buildSpdxDocument(catalogue(), image, options);
  const [imagePackage, osPackage] = doc.packages;
  assert.equal(imagePackage?.primaryPackagePurpose, 'CONTAINER');
  assert.equal(imagePackage?.versionInfo, image.manifestDigest);
  assert.deepEqual(imagePackage?.checksums, [{ algorithm: 'SHA256', checksumValue: 'a'.repeat(64) }]);
  assert.match(imagePackage?.externalRefs?.[0]?.referenceLocator ?? '', /^pkg:oci\/app@/);
  assert.equal(osPackage?.primaryPackagePurpose, 'OPERATING-SYSTEM');
  assert.equal(osPackage?.name, 'debian');

  assert.deepEqual(doc.relationships[0], { spdxElementId: 'SPDXRef-DOCUMENT', relationshipType: 'DESCRIBES', relatedSpdxElement: imagePackage?.SPDXID });
  const contained = doc.relationships.filter((r) => r.relationshipType === 'CONTAINS');
  assert.equal(contained.length, doc.packages.length - 1);
  for (const rel of contained) assert.equal(rel.spdxElementId, imagePackage?.SPDXID);
});

test('spdx package fields', () => {
  const doc = buildSpdxDocument(catalogue(), image, options);
  const libssl = doc.packages.find((p) => p.name === 'libssl3');
  assert.equal(libssl?.versionInfo, '3.0.15-1~deb12u1');
  assert.equal(libssl?.licenseDeclared, 'Apache-2.0');
  assert.equal(libssl?.licenseConcluded, 'NOASSERTION');
  assert.equal(libssl?.supplier, 'NOASSERTION');
  assert.equal(libssl?.sourceInfo, 'built from source package openssl 3.0.15-1~deb12u1');
  assert.deepEqual(libssl?.externalRefs, [
    { referenceCategory: 'PACKAGE-MANAGER', referenceType: 'purl', referenceLocator: 'pkg:deb/debian/libssl3@3.0.15-1~deb12u1?arch=amd64&distro=debian-12' },
  ]);
  assert.deepEqual(
    libssl?.annotations?.map((a) => a.comment),
    [`bosun:layer:diffId=${BASE_LAYER}`, 'bosun:package:foundIn=var/lib/dpkg/status'],
  );

  const lodash = doc.packages.filter((p) => p.name === 'lodash');
  assert.equal(lodash.length, 2);
  assert.notEqual(lodash[0]?.SPDXID, lodash[1]?.SPDXID);
  assert.ok(lodash.every((p) => p.annotations?.some((a) => a.comment === `bosun:layer:diffId=${APP_LAYER}`)));

  const odd = doc.packages.find((p) => p.name === 'naïve pkg#1');
  assert.match(odd?.SPDXID ?? '', /^SPDXRef-Package-npm-na-ve-pkg-1-[0-9a-f]{12}$/);
});

test('spdx licence expressions', () => {
  const cases: Array<{ input: string[] | undefined; expression: string; refs: string[] }> = [
    { input: undefined, expression: 'NOASSERTION', refs: [] },
    { input: [], expression: 'NOASSERTION', refs: [] },
    { input: ['mit'], expression: 'MIT', refs: [] },
    { input: ['MIT OR Apache-2.0'], expression: 'MIT OR Apache-2.0', refs: [] },
    { input: ['MIT', 'Apache-2.0 OR MIT'], expression: 'MIT AND (Apache-2.0 OR MIT)', refs: [] },
    { input: ['GPL-2.0+'], expression: 'GPL-2.0+', refs: [] },
    { input: ['GPL-3+'], expression: `${licenseRefId('GPL-3+')}`, refs: [licenseRefId('GPL-3+')] },
    { input: ['public-domain', 'MIT'], expression: 'LicenseRef-public-domain AND MIT', refs: ['LicenseRef-public-domain'] },
  ];
  for (const { input, expression, refs } of cases) {
    const result = spdxLicenseExpression(input);
    assert.equal(result.expression, expression, `licences ${JSON.stringify(input)}`);
    assert.deepEqual(result.extracted.map((e) => e.licenseId), refs, `licences ${JSON.stringify(input)}`);
  }
});

test('spdx licence ref ids', () => {
  assert.equal(licenseRefId('public-domain'), 'LicenseRef-public-domain');
  assert.match(licenseRefId('GPL-3+'), /^LicenseRef-GPL-3-[0-9a-f]{8}$/);
  assert.notEqual(licenseRefId('GPL 3'), licenseRefId('GPL/3'));
  assert.match(licenseRefId('###'), /^LicenseRef-unnamed-[0-9a-f]{8}$/);
});

test('spdx extracted licences declared once', () => {
  const doc = buildSpdxDocument(catalogue(), image, options);
  const ids = (doc.hasExtractedLicensingInfos ?? []).map((info) => info.licenseId);
  assert.deepEqual(ids, [licenseRefId('GPL-3+'), 'LicenseRef-public-domain'].sort());
  assert.equal(doc.hasExtractedLicensingInfos?.find((i) => i.licenseId === 'LicenseRef-public-domain')?.extractedText, 'public-domain');
});

test('spdx output is deterministic', () => {
  const first = writeSpdxSbom(catalogue(), image, options);
  const shuffled = { ...catalogue(), packages: reversed(catalogue().packages) };
  assert.equal(writeSpdxSbom(catalogue(), image, options), first);
  assert.equal(writeSpdxSbom(shuffled, image, options), first);
});
