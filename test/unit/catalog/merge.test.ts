import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mergeLayers } from '../../../src/catalog/merge.js';
import type { FileResult, LayerResult, OsInfo, Package } from '../../../src/catalog/types.js';
import type { DiffId } from '../../../src/common/index.js';

const STATUS = 'var/lib/dpkg/status';
const diffId = (n: number) => `sha256:${String(n).repeat(64).slice(0, 64)}` as DiffId;

function deb(name: string, version = '1.0', foundIn = STATUS): Omit<Package, 'layer'> {
  return { name, version, type: 'deb', arch: 'amd64', purl: `pkg:deb/debian/${name}@${version}?arch=amd64`, foundIn };
}

function dpkgFile(...packages: Array<Omit<Package, 'layer'>>): FileResult {
  return { cataloguer: 'dpkg', packages, warnings: [] };
}

function osFile(os: OsInfo): FileResult {
  return { cataloguer: 'os', packages: [], os, warnings: [] };
}

function layer(n: number, parts: Partial<Omit<LayerResult, 'diffId'>>): LayerResult {
  const files = parts.files ?? {};
  return {
    diffId: diffId(n),
    files,
    whiteouts: parts.whiteouts ?? [],
    opaqueDirs: parts.opaqueDirs ?? [],
    // A layer lists every non-directory it holds, including the files with results.
    nonDirectories: [...Object.keys(files), ...(parts.nonDirectories ?? [])],
    warnings: parts.warnings ?? [],
    bytes: 0,
  };
}

const names = (layers: LayerResult[]) => mergeLayers(layers).packages.map((pkg) => pkg.name).sort();

test('merge upper file replaces lower', () => {
  const layers = [layer(1, { files: { [STATUS]: dpkgFile(deb('a'), deb('b')) } }), layer(2, { files: { [STATUS]: dpkgFile(deb('a'), deb('c')) } })];
  assert.deepEqual(names(layers), ['a', 'c']);
});

test('merge whiteout table', () => {
  const cases: Array<[string, Partial<Omit<LayerResult, 'diffId'>>, string[]]> = [
    ['untouched', {}, ['a', 'x']],
    ['whiteout of the file', { whiteouts: [STATUS] }, ['x']],
    ['whiteout of the parent', { whiteouts: ['var/lib/dpkg'] }, ['x']],
    ['whiteout of the top dir', { whiteouts: ['var'] }, ['x']],
    ['whiteout of a sibling', { whiteouts: ['var/lib/dpkg/status-old'] }, ['a', 'x']],
    ['whiteout of a name prefix', { whiteouts: ['var/lib/dp'] }, ['a', 'x']],
    ['opaque parent', { opaqueDirs: ['var/lib/dpkg'] }, ['x']],
    ['opaque ancestor', { opaqueDirs: ['var'] }, ['x']],
    ['opaque other dir', { opaqueDirs: ['var/lib/apt'] }, ['a', 'x']],
    ['opaque at the file path', { opaqueDirs: [STATUS] }, ['a', 'x']],
    ['file replaces parent dir', { nonDirectories: ['var/lib/dpkg'] }, ['x']],
    ['symlink replaces ancestor', { nonDirectories: ['var/lib'] }, ['x']],
    ['non-directory at same path', { nonDirectories: [STATUS] }, ['x']],
    ['non-directory below the file', { nonDirectories: [`${STATUS}/child`] }, ['a', 'x']],
  ];
  for (const [name, upper, expected] of cases) {
    const layers = [
      // usr/share/control is a control file outside var/, which no case touches.
      layer(1, { files: { [STATUS]: dpkgFile(deb('a')), 'usr/share/control': dpkgFile(deb('x', '1', 'usr/share/control')) } }),
      layer(2, upper),
    ];
    assert.deepEqual(names(layers), expected, name);
  }
});

test('merge opaque dir keeps same-layer files', () => {
  const layers = [
    layer(1, { files: { [STATUS]: dpkgFile(deb('a'), deb('b')) } }),
    layer(2, { opaqueDirs: ['var/lib/dpkg'], files: { [STATUS]: dpkgFile(deb('a')) } }),
  ];
  const merged = mergeLayers(layers);
  assert.deepEqual(merged.packages.map((pkg) => pkg.name), ['a']);
  // The opaque directory removed the old database, so the run restarts in layer 2.
  assert.equal(merged.packages[0]!.layer, diffId(2));
});

test('merge package removed in upper layer', () => {
  const layers = [
    layer(1, { files: { [STATUS]: dpkgFile(deb('base')) } }),
    layer(2, { files: { [STATUS]: dpkgFile(deb('base'), deb('tool')) } }),
    layer(3, { files: { [STATUS]: dpkgFile(deb('base')) } }),
  ];
  assert.deepEqual(names(layers), ['base']);
});

test('merge introducing layer attribution', () => {
  const layers = [
    layer(1, { files: { [STATUS]: dpkgFile(deb('base'), deb('old', '1.0'), deb('gone')) } }),
    layer(2, { files: { [STATUS]: dpkgFile(deb('base'), deb('old', '1.0'), deb('added')) } }),
    layer(3, { files: { 'etc/unrelated': dpkgFile() } }),
    layer(4, { files: { [STATUS]: dpkgFile(deb('base'), deb('old', '2.0'), deb('added'), deb('gone')) } }),
  ];
  const byName = new Map(mergeLayers(layers).packages.map((pkg) => [pkg.name, pkg.layer]));
  assert.equal(byName.get('base'), diffId(1));
  assert.equal(byName.get('added'), diffId(2));
  assert.equal(byName.get('old'), diffId(4), 'a new version is introduced by the layer that upgraded it');
  assert.equal(byName.get('gone'), diffId(4), 'a package removed and added again starts a new run');
});

test('merge attribution after whiteout', () => {
  const layers = [
    layer(1, { files: { [STATUS]: dpkgFile(deb('a')) } }),
    layer(2, { whiteouts: [STATUS] }),
    layer(3, { files: { [STATUS]: dpkgFile(deb('a')) } }),
  ];
  assert.equal(mergeLayers(layers).packages[0]!.layer, diffId(3));
});

test('merge attribution by arch', () => {
  const i386 = { ...deb('libc6'), arch: 'i386' };
  const layers = [layer(1, { files: { [STATUS]: dpkgFile(deb('libc6')) } }), layer(2, { files: { [STATUS]: dpkgFile(deb('libc6'), i386) } })];
  const layersByArch = new Map(mergeLayers(layers).packages.map((pkg) => [pkg.arch, pkg.layer]));
  assert.equal(layersByArch.get('amd64'), diffId(1));
  assert.equal(layersByArch.get('i386'), diffId(2));
});

const debian12: OsInfo = { id: 'debian', version: '12', codename: 'bookworm', source: 'etc/os-release' };

test('merge os priority', () => {
  const usrLib: OsInfo = { ...debian12, version: '11', source: 'usr/lib/os-release' };
  const fallback: OsInfo = { id: 'debian', version: '10', source: 'etc/debian_version' };
  const cases: Array<[string, LayerResult[], OsInfo | undefined]> = [
    ['etc over usr/lib', [layer(1, { files: { 'usr/lib/os-release': osFile(usrLib), 'etc/os-release': osFile(debian12) } })], debian12],
    ['os-release over fallback', [layer(1, { files: { 'etc/debian_version': osFile(fallback), 'usr/lib/os-release': osFile(usrLib) } })], usrLib],
    ['fallback alone', [layer(1, { files: { 'etc/debian_version': osFile(fallback) } })], fallback],
    [
      'etc/os-release replaced by symlink',
      [
        layer(1, { files: { 'etc/os-release': osFile(debian12), 'usr/lib/os-release': osFile(usrLib) } }),
        layer(2, { nonDirectories: ['etc/os-release'] }),
      ],
      usrLib,
    ],
    ['none', [layer(1, {})], undefined],
  ];
  for (const [name, layers, expected] of cases) {
    assert.deepEqual(mergeLayers(layers).os, expected, name);
  }
});

test('merge fills purl distro from os', () => {
  const rpm: Omit<Package, 'layer'> = { name: 'bash', version: '1:5.1-9.el9', type: 'rpm', arch: 'x86_64', purl: 'pkg:rpm/bash@5.1-9.el9?arch=x86_64&epoch=1', foundIn: 'var/lib/rpm/rpmdb.sqlite' };
  const alma: OsInfo = { id: 'almalinux', version: '9.4', source: 'etc/os-release' };
  const debianMerged = mergeLayers([layer(1, { files: { [STATUS]: dpkgFile(deb('libc6', '2.36-9')), 'etc/os-release': osFile(debian12) } })]);
  assert.equal(debianMerged.packages[0]!.purl, 'pkg:deb/debian/libc6@2.36-9?arch=amd64&distro=debian-12');

  const rpmMerged = mergeLayers([layer(1, { files: { 'var/lib/rpm/rpmdb.sqlite': dpkgFile(rpm), 'etc/os-release': osFile(alma) } })]);
  assert.equal(rpmMerged.packages[0]!.purl, 'pkg:rpm/almalinux/bash@5.1-9.el9?arch=x86_64&distro=almalinux-9.4&epoch=1');

  const noOs = mergeLayers([layer(1, { files: { [STATUS]: dpkgFile(deb('libc6', '2.36-9')) } })]);
  assert.equal(noOs.packages[0]!.purl, 'pkg:deb/debian/libc6@2.36-9?arch=amd64');
});

test('merge warnings of visible files only', () => {
  const fileWarning = { code: 'catalog.dpkg-invalid-line', message: 'bad line', path: STATUS, layer: diffId(1) };
  const layerWarning = { code: 'layer.file-too-large', message: 'too large', path: 'x', layer: diffId(1) };
  const lower = layer(1, { files: { [STATUS]: { ...dpkgFile(deb('a')), warnings: [fileWarning] } }, warnings: [layerWarning] });
  assert.deepEqual(mergeLayers([lower]).warnings, [layerWarning, fileWarning]);
  assert.deepEqual(mergeLayers([lower, layer(2, { files: { [STATUS]: dpkgFile(deb('a')) } })]).warnings, [layerWarning]);
});
