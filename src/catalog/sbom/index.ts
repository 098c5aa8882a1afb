export type { SbomImage, SbomOptions } from './types.js';
export { buildCycloneDxBom, serializeCycloneDx, writeCycloneDxSbom, cycloneDxLicenses, CDX_PROPERTY, type CycloneDxDocument } from './cyclonedx.js';
export { buildSpdxDocument, writeSpdxSbom, spdxTimestamp, type SpdxDocument, type SpdxPackage, type SpdxRelationship, type SpdxOptions } from './spdx.js';
export { classifyLicense, spdxLicenseExpression, licenseRefId, type LicenseKind, type ExtractedLicense } from './license.js';
export { imagePurl, packageRefs, sortPackages } from './refs.js';
