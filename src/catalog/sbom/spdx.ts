import { createHash, randomUUID } from 'node:crypto';
import type { Catalogue, OsInfo, Package } from '../types.js';
import { spdxLicenseExpression, type ExtractedLicense } from './license.js';
import { compareText, imageName, imagePurl, packageRefs, sortPackages } from './refs.js';
import type { SbomImage, SbomOptions } from './types.js';

/** One package of an SPDX 2.3 document, with the fields Bosun writes. */
export interface SpdxPackage {
  SPDXID: string;
  name: string;
  versionInfo?: string;
  supplier: 'NOASSERTION';
  downloadLocation: 'NOASSERTION';
  filesAnalyzed: false;
  checksums?: Array<{ algorithm: 'SHA256' | 'SHA512'; checksumValue: string }>;
  sourceInfo?: string;
  licenseConcluded: string;
  licenseDeclared: string;
  copyrightText: 'NOASSERTION';
  description?: string;
  primaryPackagePurpose: 'CONTAINER' | 'OPERATING-SYSTEM' | 'LIBRARY';
  externalRefs?: Array<{ referenceCategory: 'PACKAGE-MANAGER'; referenceType: 'purl'; referenceLocator: string }>;
  annotations?: Array<{ annotationDate: string; annotationType: 'OTHER'; annotator: string; comment: string }>;
}

/** An SPDX 2.3 relationship between two elements of the document. */
export interface SpdxRelationship {
  spdxElementId: string;
  relationshipType: 'DESCRIBES' | 'CONTAINS';
  relatedSpdxElement: string;
}

/** An SPDX 2.3 JSON document as Bosun writes it. */
export interface SpdxDocument {
  spdxVersion: 'SPDX-2.3';
  dataLicense: 'CC0-1.0';
  SPDXID: 'SPDXRef-DOCUMENT';
  name: string;
  documentNamespace: string;
  creationInfo: { created: string; creators: string[] };
  packages: SpdxPackage[];
  relationships: SpdxRelationship[];
  hasExtractedLicensingInfos?: Array<{ licenseId: string; extractedText: string; name: string; comment: string }>;
}

/** SPDX writer settings. */
export interface SpdxOptions extends SbomOptions {
  /**
   * Prefix of `documentNamespace`. The default uses the `.invalid` top-level domain, reserved by
   * RFC 2606 so that it never resolves: SPDX requires a unique URI, not a reachable one.
   */
  namespaceBase?: string;
}

const DEFAULT_NAMESPACE_BASE = 'https://bosun.invalid/spdx';

/**
 * Builds the SPDX 2.3 document of an image. The image is a CONTAINER package that the document
 * DESCRIBES and that CONTAINS the OS and every package. Packages are in a fixed order and their
 * SPDXIDs derive from purl, layer and file, so only `created` and the namespace UUID change
 * between runs, and `options` can fix both.
 */
export function buildSpdxDocument(catalogue: Catalogue, image: SbomImage, options: SpdxOptions): SpdxDocument {
  const created = spdxTimestamp(options.timestamp ?? new Date());
  const annotator = `Tool: bosun-${options.toolVersion}`;
  const name = imageName(image);
  const ids = new SpdxIdAllocator();

  const imagePackage = makeImagePackage(image, ids.allocate(`Image-${name}`));
  const packages: SpdxPackage[] = [imagePackage];
  if (catalogue.os) packages.push(makeOsPackage(catalogue.os, ids.allocate(`OperatingSystem-${catalogue.os.id}-${catalogue.os.version}`)));

  const extracted = new Map<string, ExtractedLicense>();
  const sorted = sortPackages(catalogue.packages);
  const refs = packageRefs(sorted);
  sorted.forEach((pkg, i) => {
    const id = ids.allocate(`Package-${pkg.type}-${pkg.name}-${shortHash(refs[i] ?? pkg.purl)}`);
    const { expression, extracted: found } = spdxLicenseExpression(pkg.licenses);
    for (const license of found) extracted.set(license.licenseId, license);
    packages.push(makePackage(pkg, id, expression, { created, annotator }));
  });

  const document: SpdxDocument = {
    spdxVersion: 'SPDX-2.3',
    dataLicense: 'CC0-1.0',
    SPDXID: 'SPDXRef-DOCUMENT',
    name,
    documentNamespace: documentNamespace(options.namespaceBase ?? DEFAULT_NAMESPACE_BASE, name, options.uuid ?? randomUUID()),
    creationInfo: { created, creators: [annotator] },
    packages,
    relationships: [
      { spdxElementId: 'SPDXRef-DOCUMENT', relationshipType: 'DESCRIBES', relatedSpdxElement: imagePackage.SPDXID },
      ...packages.slice(1).map(
        (pkg): SpdxRelationship => ({ spdxElementId: imagePackage.SPDXID, relationshipType: 'CONTAINS', relatedSpdxElement: pkg.SPDXID }),
      ),
    ],
  };
  if (extracted.size > 0) document.hasExtractedLicensingInfos = extractedLicensingInfos(extracted);
  return document;
}

/** Writes the SPDX 2.3 JSON SBOM of an image, with a trailing newline. */
export function writeSpdxSbom(catalogue: Catalogue, image: SbomImage, options: SpdxOptions): string {
  return `${JSON.stringify(buildSpdxDocument(catalogue, image, options), null, 2)}\n`;
}

/** Formats a time as SPDX requires, `YYYY-MM-DDThh:mm:ssZ` in UTC and without fractions. */
export function spdxTimestamp(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function documentNamespace(base: string, name: string, uuid: string): string {
  // SPDX forbids a `#` in the namespace; sanitising the name also keeps the URI free of spaces.
  const slug = name.replace(/[^A-Za-z0-9.-]+/g, '-').slice(0, 100);
  return `${base.replace(/\/+$/, '')}/${slug}-${uuid}`;
}

function makeImagePackage(image: SbomImage, SPDXID: string): SpdxPackage {
  const purl = imagePurl(image);
  const pkg: SpdxPackage = {
    ...basePackage(SPDXID, imageName(image), image.manifestDigest ?? image.configDigest, 'CONTAINER'),
    ...(purl ? { externalRefs: [purlRef(purl)] } : {}),
  };
  const [algorithm, hex] = (image.manifestDigest ?? '').split(':');
  if (hex && (algorithm === 'sha256' || algorithm === 'sha512')) {
    pkg.checksums = [{ algorithm: algorithm === 'sha256' ? 'SHA256' : 'SHA512', checksumValue: hex }];
  }
  return pkg;
}

function makeOsPackage(os: OsInfo, SPDXID: string): SpdxPackage {
  return {
    ...basePackage(SPDXID, os.id, os.version, 'OPERATING-SYSTEM'),
    ...(os.prettyName ? { description: os.prettyName } : {}),
  };
}

function makePackage(pkg: Package, SPDXID: string, licenseDeclared: string, meta: { created: string; annotator: string }): SpdxPackage {
  const spdx: SpdxPackage = { ...basePackage(SPDXID, pkg.name, pkg.version, 'LIBRARY'), licenseDeclared };
  if (pkg.sourceName) spdx.sourceInfo = `built from source package ${pkg.sourceName}${pkg.sourceVersion ? ` ${pkg.sourceVersion}` : ''}`;
  if (pkg.purl) spdx.externalRefs = [purlRef(pkg.purl)];

  // The same facts the CycloneDX writer puts in properties, in `name=value` form.
  const facts: Array<[string, string | undefined]> = [
    ['bosun:layer:diffId', pkg.layer],
    ['bosun:package:foundIn', pkg.foundIn],
  ];
  spdx.annotations = facts
    .filter((fact): fact is [string, string] => Boolean(fact[1]))
    .map(([key, value]) => ({ annotationDate: meta.created, annotationType: 'OTHER', annotator: meta.annotator, comment: `${key}=${value}` }));
  return spdx;
}

function basePackage(SPDXID: string, name: string, versionInfo: string, purpose: SpdxPackage['primaryPackagePurpose']): SpdxPackage {
  return {
    SPDXID,
    name,
    ...(versionInfo ? { versionInfo } : {}),
    supplier: 'NOASSERTION',
    downloadLocation: 'NOASSERTION',
    filesAnalyzed: false,
    licenseConcluded: 'NOASSERTION',
    licenseDeclared: 'NOASSERTION',
    copyrightText: 'NOASSERTION',
    primaryPackagePurpose: purpose,
  };
}

function purlRef(purl: string): NonNullable<SpdxPackage['externalRefs']>[number] {
  return { referenceCategory: 'PACKAGE-MANAGER', referenceType: 'purl', referenceLocator: purl };
}

function extractedLicensingInfos(extracted: Map<string, ExtractedLicense>): NonNullable<SpdxDocument['hasExtractedLicensingInfos']> {
  return [...extracted.values()]
    .sort((a, b) => compareText(a.licenseId, b.licenseId))
    .map(({ licenseId, name }) => ({
      licenseId,
      extractedText: name,
      name,
      comment: 'The licence name as the package metadata gives it; the licence text was not read.',
    }));
}

function shortHash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 12);
}

/**
 * Hands out SPDXIDs of the form `SPDXRef-[A-Za-z0-9.-]+` (SPDX 2.3 clause 7.2). Other characters
 * become `-`, and an id already taken gets a counter, so every id in the document is unique.
 */
class SpdxIdAllocator {
  private readonly taken = new Set<string>(['SPDXRef-DOCUMENT']);

  allocate(label: string): string {
    const base = `SPDXRef-${label.replace(/[^A-Za-z0-9.-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 200) || 'element'}`;
    let id = base;
    for (let n = 2; this.taken.has(id); n++) id = `${base}-${n}`;
    this.taken.add(id);
    return id;
  }
}
