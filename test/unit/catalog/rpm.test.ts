import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { parseRpmHeader, RpmTag } from '../../../src/catalog/rpm/header.js';
import { parseSourceRpm, rpmCataloguer } from '../../../src/catalog/rpm/index.js';

const fixture = readFileSync(new URL('../../fixtures/catalog/rpm/rpmdb.sqlite', import.meta.url));
const DB_PATH = 'var/lib/rpm/rpmdb.sqlite';

type HeaderValue = { tag: number; string: string } | { tag: number; int32: number };

/** Builds an rpm header blob (index count, data length, index entries, data) from tag values. */
function makeHeader(values: HeaderValue[]): Buffer {
  const index: Buffer[] = [];
  const data: Buffer[] = [];
  let offset = 0;
  for (const value of values) {
    const bytes = 'string' in value ? Buffer.from(`${value.string}\0`) : Buffer.alloc(4);
    if ('int32' in value) bytes.writeInt32BE(value.int32);
    const entry = Buffer.alloc(16);
    entry.writeInt32BE(value.tag, 0);
    entry.writeUInt32BE('string' in value ? 6 : 4, 4);
    entry.writeInt32BE(offset, 8);
    entry.writeUInt32BE(1, 12);
    index.push(entry);
    data.push(bytes);
    offset += bytes.length;
  }
  const preamble = Buffer.alloc(8);
  preamble.writeUInt32BE(values.length, 0);
  preamble.writeUInt32BE(offset, 4);
  return Buffer.concat([preamble, ...index, ...data]);
}

function packageHeader(name: string, version: string, release: string, extra: HeaderValue[] = []): Buffer {
  return makeHeader([
    { tag: RpmTag.NAME, string: name },
    { tag: RpmTag.VERSION, string: version },
    { tag: RpmTag.RELEASE, string: release },
    { tag: RpmTag.ARCH, string: 'x86_64' },
    ...extra,
  ]);
}

/** Builds an in-memory SQLite rpmdb with the given header blobs and returns its file bytes. */
function makeRpmdb(blobs: Buffer[]): Buffer {
  const db = new Database(':memory:');
  db.exec('CREATE TABLE Packages (hnum INTEGER PRIMARY KEY AUTOINCREMENT, blob BLOB NOT NULL)');
  const insert = db.prepare('INSERT INTO Packages (blob) VALUES (?)');
  for (const blob of blobs) insert.run(blob);
  const bytes = db.serialize();
  db.close();
  return bytes;
}

test('rpmdb fixture built by rpm', async () => {
  const result = await rpmCataloguer.parse(DB_PATH, fixture);
  assert.deepEqual(result.warnings, []);
  const found = result.packages
    .map((pkg) => [pkg.name, pkg.version, pkg.arch, pkg.sourceName, pkg.sourceVersion, pkg.licenses?.[0]])
    .sort((a, b) => String(a[0]).localeCompare(String(b[0])));
  assert.deepEqual(found, [
    ['bosun-hello', '2:1.2.3-4.el9', 'noarch', 'bosun-hello', '2:1.2.3-4.el9', 'MIT AND Apache-2.0'],
    ['bosun-libs', '0.9-1.el9', 'noarch', 'bosun-libs', '0.9-1.el9', 'GPL-2.0-or-later'],
    ['bosun-libs-extra', '0.9-1.el9', 'noarch', 'bosun-libs', '0.9-1.el9', 'GPL-2.0-or-later'],
  ]);
});

test('rpmdb fixture purls', async () => {
  const result = await rpmCataloguer.parse(DB_PATH, fixture);
  const hello = result.packages.find((pkg) => pkg.name === 'bosun-hello')!;
  assert.equal(hello.type, 'rpm');
  assert.equal(hello.foundIn, DB_PATH);
  assert.equal(hello.purl, 'pkg:rpm/bosun-hello@1.2.3-4.el9?arch=noarch&epoch=2');
});

test('rpmdb fixture is in WAL mode', () => {
  // The fixture must keep rpm's WAL header so that the test covers the in-memory workaround.
  assert.equal(fixture[18], 2);
  assert.equal(fixture[19], 2);
});

test('rpmdb malformed header warns', async () => {
  const good = packageHeader('zlib', '1.2.11', '40.el9', [{ tag: RpmTag.EPOCH, int32: 0 }]);
  const truncated = good.subarray(0, good.length - 10);
  const badOffset = Buffer.from(good);
  badOffset.writeInt32BE(0x7fffffff, 8 + 8);
  const hugeCount = Buffer.from(good);
  hugeCount.writeUInt32BE(0xffffffff, 0);
  const wrongType = Buffer.from(good);
  wrongType.writeUInt32BE(4, 8 + 4);

  const db = makeRpmdb([good, truncated, badOffset, hugeCount, wrongType, Buffer.alloc(3)]);
  const result = await rpmCataloguer.parse(DB_PATH, db);

  assert.deepEqual(result.packages.map((pkg) => `${pkg.name} ${pkg.version}`), ['zlib 1.2.11-40.el9']);
  assert.equal(result.warnings.length, 5);
  for (const warning of result.warnings) {
    assert.equal(warning.code, 'catalog.rpm-header-invalid');
    assert.equal(warning.path, DB_PATH);
  }
  assert.match(result.warnings[0]!.message, /package 2 in var\/lib\/rpm\/rpmdb\.sqlite/);
});

test('rpmdb skips gpg-pubkey', async () => {
  const db = makeRpmdb([packageHeader('gpg-pubkey', '8483c65d', '5ccc5b19'), packageHeader('bash', '5.1.8', '9.el9')]);
  const result = await rpmCataloguer.parse(DB_PATH, db);
  assert.deepEqual(result.packages.map((pkg) => pkg.name), ['bash']);
  assert.deepEqual(result.warnings, []);
});

test('rpmdb source rpm and epoch', async () => {
  const header = packageHeader('openssl-libs', '3.0.7', '27.el9', [
    { tag: RpmTag.EPOCH, int32: 1 },
    { tag: RpmTag.SOURCERPM, string: 'openssl-3.0.7-27.el9.src.rpm' },
    { tag: RpmTag.LICENSE, string: 'ASL 2.0' },
  ]);
  const result = await rpmCataloguer.parse('usr/lib/sysimage/rpm/rpmdb.sqlite', makeRpmdb([header]));
  const [pkg] = result.packages;
  assert.equal(pkg?.version, '1:3.0.7-27.el9');
  assert.equal(pkg?.sourceName, 'openssl');
  assert.equal(pkg?.sourceVersion, '1:3.0.7-27.el9');
  assert.deepEqual(pkg?.licenses, ['ASL 2.0']);
  assert.equal(pkg?.foundIn, 'usr/lib/sysimage/rpm/rpmdb.sqlite');
});

test('rpmdb that is not SQLite throws', async () => {
  await assert.rejects(async () => rpmCataloguer.parse(DB_PATH, Buffer.from('not a database at all')), /not an SQLite database/);
});

test('rpm header bounds table', () => {
  const good = packageHeader('a', '1', '1');
  const cases: Array<[string, Buffer, RegExp]> = [
    ['short preamble', Buffer.alloc(4), /shorter than the 8-byte preamble/],
    ['zero entries', Buffer.alloc(8), /index entry count 0/],
    ['data past end', Buffer.concat([good.subarray(0, 4), Buffer.from([0, 0, 0x10, 0]), good.subarray(8)]), /need \d+ bytes/],
    ['unknown type', (() => { const b = Buffer.from(good); b.writeUInt32BE(99, 12); return b; })(), /unknown type 99/],
    ['negative offset', (() => { const b = Buffer.from(good); b.writeInt32BE(-1, 16); return b; })(), /offset -1/],
    ['zero count', (() => { const b = Buffer.from(good); b.writeUInt32BE(0, 20); return b; })(), /count 0/],
  ];
  for (const [name, blob, message] of cases) {
    assert.throws(() => parseRpmHeader(blob, name).string(RpmTag.NAME), message, name);
  }
});

test('rpm header string without NUL', () => {
  const blob = packageHeader('abc', '1', '1');
  // Drop the final NUL of the last string and shrink the data length to match.
  const cut = Buffer.from(blob.subarray(0, blob.length - 1));
  cut.writeUInt32BE(cut.readUInt32BE(4) - 1, 4);
  assert.throws(() => parseRpmHeader(cut, 'cut').string(RpmTag.ARCH), /not NUL-terminated/);
  assert.equal(parseRpmHeader(cut, 'cut').string(RpmTag.NAME), 'abc');
});

test('rpm unsupported databases', () => {
  const entry = (path: string) => ({ path, type: 'file' as const, mode: 0o644, size: 1 << 20 });
  const cases: Array<[string, string | undefined]> = [
    ['var/lib/rpm/Packages', 'Berkeley DB'],
    ['usr/lib/sysimage/rpm/Packages', 'Berkeley DB'],
    ['var/lib/rpm/Packages.db', 'NDB'],
    ['usr/lib/sysimage/rpm/Packages.db', 'NDB'],
    ['var/lib/rpm/rpmdb.sqlite', undefined],
    ['var/lib/rpm/Name', undefined],
  ];
  for (const [path, format] of cases) {
    const result = rpmCataloguer.inspect!(entry(path));
    if (!format) {
      assert.equal(result, undefined, path);
      continue;
    }
    assert.deepEqual(result?.warnings, [
      {
        code: 'catalog.rpmdb-unsupported',
        message: `unsupported rpmdb format (${format}) at ${path}; Bosun reads only the SQLite rpmdb`,
        path,
      },
    ]);
    assert.equal(rpmCataloguer.wants(entry(path)), false, path);
  }
});

test('source rpm name table', () => {
  const cases: Array<[string | undefined, ReturnType<typeof parseSourceRpm>]> = [
    ['bash-5.1.8-9.el9.src.rpm', { name: 'bash', version: '5.1.8-9.el9' }],
    ['python3-libs-extra-3.9.18-3.el9.src.rpm', { name: 'python3-libs-extra', version: '3.9.18-3.el9' }],
    ['kernel-5.14.0-427.el9.nosrc.rpm', { name: 'kernel', version: '5.14.0-427.el9' }],
    ['bash-5.1.8.src.rpm', undefined],
    ['bash-5.1.8-9.el9.x86_64.rpm', undefined],
    ['(none)', undefined],
    [undefined, undefined],
  ];
  for (const [value, expected] of cases) assert.deepEqual(parseSourceRpm(value), expected, String(value));
});
