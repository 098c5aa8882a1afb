import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, test } from 'node:test';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { InputError } from '../../../src/common/errors.js';
import { atomFeed, type Notice } from '../../../src/notify/index.js';
import { unusedImageNotice, vulnerabilityNotice } from './support.js';

/** RFC 3339 date-time (section 5.6), with optional fraction and a Z or numeric offset. */
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
const HOSTILE_TITLE = 'Evil <script>alert("x")</script> & ]]> \u0000\u0001\u0008\u000b\u001b\u007f\u0085 \ud800 end';
const SELF = 'https://bosun.example.com/feeds/all.atom?host=a&kind=b';

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  textNodeName: '#text',
  parseTagValue: false,
  isArray: (name) => ['entry', 'link', 'category'].includes(name),
});

interface AtomEntry {
  id: string;
  title: { '#text': string; '@_type': string };
  updated: string;
  published: string;
  summary?: { '#text': string };
  content: { '#text': string; '@_type': string };
  category: Array<{ '@_term': string; '@_scheme': string }>;
  link?: Array<{ '@_rel': string; '@_href': string; '@_title'?: string }>;
}

function parseFeed(xml: string) {
  const validation = XMLValidator.validate(xml);
  assert.equal(validation, true, `not well-formed: ${JSON.stringify(validation)}`);
  const document = parser.parse(xml) as { feed: Record<string, unknown> & { entry?: AtomEntry[] } };
  return document.feed;
}

function sampleNotices(): Notice[] {
  return [
    vulnerabilityNotice(),
    unusedImageNotice(),
    vulnerabilityNotice({ id: 'older', title: 'older notice', createdAt: new Date('2024-04-01T00:00:00Z'), advisory: undefined }),
  ];
}

describe('atomFeed', () => {
  test('has the required feed elements', () => {
    const feed = parseFeed(atomFeed({ title: 'Bosun: all hosts', selfUrl: SELF, notices: sampleNotices() }));
    assert.equal(feed['@_xmlns'], 'http://www.w3.org/2005/Atom');
    assert.equal(feed['id'], SELF);
    assert.deepEqual(feed['title'], { '#text': 'Bosun: all hosts', '@_type': 'text' });
    assert.equal(feed['updated'], '2024-05-02T08:30:00.000Z');
    assert.deepEqual(feed['author'], { name: 'Bosun' });
    assert.deepEqual(feed['link'], [{ '@_rel': 'self', '@_type': 'application/atom+xml', '@_href': SELF }]);
  });

  test('writes one entry per notice, newest first', () => {
    const feed = parseFeed(atomFeed({ title: 't', selfUrl: SELF, notices: sampleNotices() }));
    const entries = feed.entry ?? [];
    assert.equal(entries.length, 3);
    assert.deepEqual(
      entries.map((entry) => entry.id),
      ['urn:bosun:notice:unused%3Alab%2Fold%3A2', 'urn:bosun:notice:vuln%3Aweb-1%3AGHSA-aaaa-bbbb-cccc%3Aopenssl', 'urn:bosun:notice:older'],
    );
  });

  test('entry has title, dates, content, categories and link', () => {
    const feed = parseFeed(atomFeed({ title: 't', selfUrl: SELF, notices: [vulnerabilityNotice()] }));
    const entry = feed.entry?.[0];
    assert.ok(entry);
    assert.deepEqual(entry.title, { '#text': 'GHSA-aaaa-bbbb-cccc in openssl 3.0.11 (lab/app:1)', '@_type': 'text' });
    assert.equal(entry.updated, '2024-05-01T12:00:00.000Z');
    assert.equal(entry.published, '2024-05-01T12:00:00.000Z');
    assert.equal(entry.content['@_type'], 'text');
    assert.match(entry.content['#text'], /^Fixed in: 3\.0\.13$/m);
    assert.equal(entry.summary?.['#text'], 'openssl 3.0.11 in container web-1 is affected by GHSA-aaaa-bbbb-cccc.');
    assert.deepEqual(entry.category, [
      { '@_scheme': 'urn:bosun:kind', '@_term': 'vulnerability.new' },
      { '@_scheme': 'urn:bosun:severity', '@_term': 'critical' },
    ]);
    assert.deepEqual(entry.link, [
      { '@_rel': 'related', '@_type': 'text/html', '@_href': 'https://osv.dev/vulnerability/GHSA-aaaa-bbbb-cccc', '@_title': 'GHSA-aaaa-bbbb-cccc' },
    ]);
  });

  test('dates are RFC 3339', () => {
    const feed = parseFeed(atomFeed({ title: 't', selfUrl: SELF, notices: sampleNotices() }));
    assert.match(String(feed['updated']), RFC3339);
    for (const entry of feed.entry ?? []) {
      assert.match(entry.updated, RFC3339);
      assert.match(entry.published, RFC3339);
    }
  });

  test('escapes hostile text', () => {
    const base = vulnerabilityNotice();
    const notice = vulnerabilityNotice({
      title: HOSTILE_TITLE,
      body: `${HOSTILE_TITLE}\nsecond line`,
      id: 'a"b<c>&d',
      advisory: { ...base.advisory!, id: `GHSA-"'><x&\u0001` },
    });
    const xml = atomFeed({ title: HOSTILE_TITLE, selfUrl: SELF, notices: [notice] });
    const feed = parseFeed(xml);

    const expectedTitle = 'Evil <script>alert("x")</script> & ]]> end';
    assert.equal((feed['title'] as { '#text': string })['#text'], expectedTitle);
    const entry = feed.entry?.[0];
    assert.equal(entry?.title['#text'], expectedTitle);
    assert.equal(entry?.id, 'urn:bosun:notice:a%22b%3Cc%3E%26d');
    assert.equal(entry?.link?.[0]?.['@_title'], `GHSA-"'><x&`);
    assert.match(entry?.content['#text'] ?? '', /^Evil <script>alert\("x"\)<\/script> & \]\]> /);
    assert.ok(!xml.includes('<script>'), 'raw markup in the output');
    // eslint-disable-next-line no-control-regex
    assert.doesNotMatch(xml, /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\ud800-\udfff]/);
  });

  test('keeps the newest notice per id', () => {
    const older = vulnerabilityNotice({ title: 'first version', createdAt: new Date('2024-04-01T00:00:00Z') });
    const newer = vulnerabilityNotice({ title: 'second version' });
    const feed = parseFeed(atomFeed({ title: 't', selfUrl: SELF, notices: [newer, older] }));
    assert.equal(feed.entry?.length, 1);
    assert.equal(feed.entry?.[0]?.title['#text'], 'second version');
  });

  test('empty feed uses now', () => {
    const xml = atomFeed({ title: 'host a', selfUrl: SELF, notices: [], now: new Date('2024-06-01T00:00:00Z') });
    const feed = parseFeed(xml);
    assert.equal(feed['updated'], '2024-06-01T00:00:00.000Z');
    assert.equal(feed.entry, undefined);
  });

  test('adds alternate links and custom id', () => {
    const feed = parseFeed(
      atomFeed({
        title: 't',
        id: 'urn:bosun:feed:host:lab-host',
        selfUrl: SELF,
        alternateUrl: 'https://bosun.example.com/hosts/lab-host',
        notices: [unusedImageNotice()],
        entryUrl: (notice) => (notice.kind === 'image.unused' ? 'https://bosun.example.com/notices/1' : undefined),
      }),
    );
    assert.equal(feed['id'], 'urn:bosun:feed:host:lab-host');
    assert.equal((feed['link'] as Array<Record<string, string>>)[1]?.['@_href'], 'https://bosun.example.com/hosts/lab-host');
    assert.deepEqual(feed.entry?.[0]?.link, [{ '@_rel': 'alternate', '@_type': 'text/html', '@_href': 'https://bosun.example.com/notices/1' }]);
  });

  test('drops non-http advisory links', () => {
    const notice = vulnerabilityNotice();
    const hostile = { ...notice, advisory: { ...notice.advisory!, url: 'javascript:alert(1)' } };
    const feed = parseFeed(atomFeed({ title: 't', selfUrl: SELF, notices: [hostile] }));
    assert.equal(feed.entry?.[0]?.link, undefined);
  });

  test('rejects a relative self URL', () => {
    assert.throws(() => atomFeed({ title: 't', selfUrl: '/feeds/all.atom', notices: [] }), InputError);
  });

  test('caps the entry count', () => {
    const many = Array.from({ length: 20 }, (_, index) => vulnerabilityNotice({ id: `n-${index}`, createdAt: new Date(Date.UTC(2024, 0, index + 1)) }));
    const feed = parseFeed(atomFeed({ title: 't', selfUrl: SELF, notices: many, maxEntries: 5 }));
    assert.equal(feed.entry?.length, 5);
    assert.equal(feed.entry?.[0]?.id, 'urn:bosun:notice:n-19');
  });

  const xmllint = spawnSync('xmllint', ['--version']).error === undefined;
  test('xmllint accepts the output', { skip: xmllint ? false : 'xmllint is not installed (libxml2-utils)' }, () => {
    const notice = vulnerabilityNotice({ title: HOSTILE_TITLE, body: HOSTILE_TITLE });
    const xml = atomFeed({ title: HOSTILE_TITLE, selfUrl: SELF, notices: [notice, unusedImageNotice()] });
    const result = spawnSync('xmllint', ['--noout', '-'], { input: xml, encoding: 'utf8' });
    assert.equal(result.status, 0, result.stderr);
  });
});
