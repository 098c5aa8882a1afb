import { randomUUID } from 'node:crypto';
import * as CDX from '@cyclonedx/cyclonedx-library';
import { InputError } from '../../common/errors.js';
import type { Catalogue, OsInfo, Package } from '../types.js';
import { classifyLicenses, type LicenseKind } from './license.js';
import { imageName, imagePurl, packageRefs, sortPackages } from './refs.js';
import type { SbomImage, SbomOptions } from './types.js';

/** Property names Bosun adds to CycloneDX components. */
export const CDX_PROPERTY = {
  layerDiffId: 'bosun:layer:diffId',
  source: 'bosun:package:source',
  sourceVersion: 'bosun:package:sourceVersion',
  foundIn: 'bosun:package:foundIn',
  imageConfigDigest: 'bosun:image:configDigest',
  imageDiffId: 'bosun:image:diffId',
  imagePlatform: 'bosun:image:platform',
  osCodename: 'bosun:os:codename',
  osSource: 'bosun:os:source',
} as const;

/** A CycloneDX BOM model and the component made for each package, in document order. */
export interface CycloneDxDocument {
  bom: CDX.Models.Bom;
  packages: Array<{ package: Package; component: CDX.Models.Component }>;
}

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * Builds a CycloneDX BOM for an image: the image as `metadata.component` (type `container`),
 * the OS as an `operating-system` component and every package as a `library` component.
 * Components are in a fixed order (purl, layer, file), so that two runs over the same image
 * differ only in `serialNumber` and `timestamp`, which `options` can also fix.
 */
export function buildCycloneDxBom(catalogue: Catalogue, image: SbomImage, options: SbomOptions): CycloneDxDocument {
  const uuid = options.uuid ?? randomUUID();
  if (!UUID_PATTERN.test(uuid)) {
    throw new InputError(`invalid SBOM UUID "${uuid}": expected lower-case 8-4-4-4-12 hex`, {
      hint: 'Pass a UUID such as the output of crypto.randomUUID(), or leave it unset.',
    });
  }

  const bom = new CDX.Models.Bom();
  bom.serialNumber = `urn:uuid:${uuid}`;
  bom.metadata.timestamp = options.timestamp ?? new Date();
  bom.metadata.tools.components.add(
    new CDX.Models.Component(CDX.Enums.ComponentType.Application, 'bosun', { version: options.toolVersion }),
  );

  const imageComponent = makeImageComponent(image);
  bom.metadata.component = imageComponent;

  if (catalogue.os) {
    const osComponent = makeOsComponent(catalogue.os);
    bom.components.add(osComponent);
    imageComponent.dependencies.add(osComponent.bomRef);
  }

  const sorted = sortPackages(catalogue.packages);
  const refs = packageRefs(sorted);
  const packages = sorted.map((pkg, i) => {
    const component = makePackageComponent(pkg, refs[i] ?? pkg.purl);
    bom.components.add(component);
    imageComponent.dependencies.add(component.bomRef);
    return { package: pkg, component };
  });
  return { bom, packages };
}

/**
 * Serialises a BOM as CycloneDX 1.6 JSON with a trailing newline. Lists keep the order they
 * were built in, because the library's own sorting uses the locale-dependent `localeCompare`.
 */
export function serializeCycloneDx(bom: CDX.Models.Bom): string {
  const serializer = new CDX.Serialize.JsonSerializer(new CDX.Serialize.JSON.Normalize.Factory(CDX.Spec.Spec1dot6));
  return `${serializer.serialize(bom, { sortLists: false, space: 2 })}\n`;
}

/** Writes the CycloneDX 1.6 JSON SBOM of an image. */
export function writeCycloneDxSbom(catalogue: Catalogue, image: SbomImage, options: SbomOptions): string {
  return serializeCycloneDx(buildCycloneDxBom(catalogue, image, options).bom);
}

function makeImageComponent(image: SbomImage): CDX.Models.Component {
  const purl = imagePurl(image);
  const component = new CDX.Models.Component(CDX.Enums.ComponentType.Container, imageName(image), {
    bomRef: purl ?? `image|${image.configDigest}`,
    version: image.manifestDigest ?? image.configDigest,
    ...(purl ? { purl } : {}),
  });

  if (image.manifestDigest?.startsWith('sha256:')) {
    component.hashes.set(CDX.Enums.HashAlgorithm['SHA-256'], image.manifestDigest.slice('sha256:'.length));
  }
  addProperty(component, CDX_PROPERTY.imageConfigDigest, image.configDigest);
  addProperty(component, CDX_PROPERTY.imagePlatform, image.platform);
  // Repeated in layer order, bottom first: CycloneDX properties keep their order and may repeat.
  for (const diffId of image.diffIds) addProperty(component, CDX_PROPERTY.imageDiffId, diffId);
  return component;
}

function makeOsComponent(os: OsInfo): CDX.Models.Component {
  const component = new CDX.Models.Component(CDX.Enums.ComponentType.OperatingSystem, os.id, {
    bomRef: `os|${os.id}@${os.version}`,
    version: os.version,
    ...(os.prettyName ? { description: os.prettyName } : {}),
  });
  addProperty(component, CDX_PROPERTY.osCodename, os.codename);
  addProperty(component, CDX_PROPERTY.osSource, os.source);
  return component;
}

function makePackageComponent(pkg: Package, bomRef: string): CDX.Models.Component {
  const component = new CDX.Models.Component(CDX.Enums.ComponentType.Library, pkg.name, {
    bomRef,
    version: pkg.version,
    ...(pkg.purl ? { purl: pkg.purl } : {}),
  });
  for (const license of cycloneDxLicenses(pkg.licenses)) component.licenses.add(license);

  addProperty(component, CDX_PROPERTY.layerDiffId, pkg.layer);
  addProperty(component, CDX_PROPERTY.foundIn, pkg.foundIn);
  addProperty(component, CDX_PROPERTY.source, pkg.sourceName);
  addProperty(component, CDX_PROPERTY.sourceVersion, pkg.sourceVersion);
  return component;
}

function addProperty(component: CDX.Models.Component, name: string, value: string | undefined): void {
  if (value === undefined || value === '') return;
  component.properties.add(new CDX.Models.Property(name, value));
}

/**
 * Converts a package's licences to CycloneDX licence choices. CycloneDX 1.6 allows either a list
 * of single licences or exactly one expression. Several licences that include an expression are
 * therefore joined into one expression with AND, unless one of them is a free-form name, which
 * no expression can hold. In that case every licence is written as a named licence.
 */
export function cycloneDxLicenses(licenses: readonly string[] | undefined): CDX.Models.License[] {
  const kinds = classifyLicenses(licenses);
  const hasExpression = kinds.some((k) => k.kind === 'expression');
  const hasName = kinds.some((k) => k.kind === 'name');

  if (hasExpression && !hasName) {
    const parts = kinds.map((k) => (k.kind === 'expression' && kinds.length > 1 ? `(${k.expression})` : textOf(k)));
    return [new CDX.Models.LicenseExpression(parts.join(' AND '))];
  }
  return kinds.map((k) => (k.kind === 'id' ? new CDX.Models.SpdxLicense(k.id) : new CDX.Models.NamedLicense(textOf(k))));
}

function textOf(kind: LicenseKind): string {
  if (kind.kind === 'id') return kind.id;
  return kind.kind === 'expression' ? kind.expression : kind.name;
}
