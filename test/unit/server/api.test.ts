import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { routes } from '../../../src/server/index.js';
import { API_TOKEN, call, ENDPOINT_FEED_TOKEN, FEED_TOKEN, IMAGE_A, IMAGE_B, METRICS_TOKEN, openFixture, type Fixture } from './support.js';

let fixture: Fixture;
before(async () => {
  fixture = await openFixture();
});
after(async () => {
  await fixture.close();
});

async function json(response: Response): Promise<any> {
  return response.json();
}

describe('auth', () => {
  const apiPaths = routes.filter((spec) => spec.auth === 'api' && spec.method === 'get' && !spec.path.includes('{')).map((spec) => spec.path);

  test('every API read needs a token', async () => {
    assert.ok(apiPaths.length >= 10);
    for (const path of apiPaths) {
      const response = await call(fixture.app, path, { token: null });
      assert.equal(response.status, 401, path);
      assert.match(response.headers.get('www-authenticate') ?? '', /^Bearer/, path);
      const body = await json(response);
      assert.equal(body.error.code, 'unauthorized', path);
    }
  });

  test('writes need a token', async () => {
    const post = await call(fixture.app, '/api/v1/ignore-rules', { method: 'POST', token: null, body: '{}', headers: { 'content-type': 'application/json' } });
    assert.equal(post.status, 401);
    const remove = await call(fixture.app, '/api/v1/ignore-rules/1', { method: 'DELETE', token: null });
    assert.equal(remove.status, 401);
    const sync = await call(fixture.app, '/api/v1/sync', { method: 'POST', token: null });
    assert.equal(sync.status, 401);
  });

  test('unknown token is 401', async () => {
    const response = await call(fixture.app, '/api/v1/status', { token: 'bosun_not-a-stored-token' });
    assert.equal(response.status, 401);
  });

  test('feed and metrics tokens get 403 on the API', async () => {
    for (const token of [FEED_TOKEN, METRICS_TOKEN, ENDPOINT_FEED_TOKEN]) {
      const response = await call(fixture.app, '/api/v1/containers', { token });
      assert.equal(response.status, 403);
      assert.equal((await json(response)).error.code, 'forbidden');
    }
  });

  test('API token is rejected in a feed URL', async () => {
    const response = await call(fixture.app, `/feed.atom?token=${API_TOKEN}`, { token: null });
    assert.equal(response.status, 403);
  });

  test('bearer scheme is case-insensitive', async () => {
    const response = await fixture.app.request('/api/v1/status', { headers: { authorization: `bearer ${API_TOKEN}` } });
    assert.equal(response.status, 200);
  });

  test('healthz and the index page need none', async () => {
    const health = await call(fixture.app, '/healthz', { token: null });
    assert.equal(health.status, 200);
    assert.equal(await health.text(), 'ok');
    const page = await call(fixture.app, '/', { token: null });
    assert.equal(page.status, 200);
    const html = await page.text();
    assert.match(html, /\/api\/v1\/openapi\.json/);
    assert.match(html, /\/feed\.atom\?token=/);
    assert.doesNotMatch(html, /lab\/app|DSA-1-1|web/);
  });
});

describe('lists', () => {
  test('containers carry image, verdict and counts', async () => {
    const body = await json(await call(fixture.app, '/api/v1/containers'));
    assert.equal(body.items.length, 3, 'the removed container is left out');
    assert.equal(body.next, null);
    const web = body.items.find((item: any) => item.name === 'web');
    assert.equal(web.endpoint, 'local');
    assert.equal(web.id, '1'.repeat(64));
    assert.equal(web.image.reference, 'lab/app:1');
    assert.equal(web.image.digest, IMAGE_A);
    assert.equal(web.verdict, null);
    assert.deepEqual(web.findings, { critical: 1, high: 0, medium: 0, low: 1, none: 0, unknown: 0, total: 2 });
    assert.deepEqual(web.compose, { project: 'shop', service: 'web' });
  });

  test('includeRemoved lists removed containers', async () => {
    const body = await json(await call(fixture.app, '/api/v1/containers?includeRemoved=true'));
    assert.equal(body.items.length, 4);
  });

  test('pagination walks every container once', async () => {
    const names: string[] = [];
    let next: string | null = null;
    let pages = 0;
    do {
      const query: string = next === null ? '' : `&cursor=${next}`;
      const body = await json(await call(fixture.app, `/api/v1/containers?includeRemoved=true&limit=1${query}`));
      assert.ok(body.items.length <= 1);
      names.push(...body.items.map((item: any) => item.name));
      next = body.next;
      pages += 1;
    } while (next !== null && pages < 10);
    assert.deepEqual(names, ['cache', 'db', 'old', 'web']);
  });

  test('offset pages like cursor', async () => {
    const body = await json(await call(fixture.app, '/api/v1/containers?includeRemoved=true&limit=2&offset=2'));
    assert.deepEqual(body.items.map((item: any) => item.name), ['old', 'web']);
    assert.equal(body.next, null);
  });

  test('endpoints show state and last error', async () => {
    const body = await json(await call(fixture.app, '/api/v1/endpoints'));
    const edge = body.items.find((item: any) => item.name === 'edge');
    assert.equal(edge.state, 'error');
    assert.equal(edge.lastError, 'connect ECONNREFUSED');
    assert.equal(edge.containers, 1);
  });

  test('images list counts', async () => {
    const body = await json(await call(fixture.app, '/api/v1/images'));
    assert.equal(body.items.length, 2);
    const a = body.items.find((item: any) => item.digest === IMAGE_A);
    assert.equal(a.packages, 3);
    assert.equal(a.containers, 2);
    assert.equal(a.findings.total, 2);
  });

  test('image reference filter', async () => {
    const body = await json(await call(fixture.app, '/api/v1/images?reference=debian'));
    assert.deepEqual(body.items.map((item: any) => item.digest), [IMAGE_B]);
  });

  test('advisories filter by ecosystem and package', async () => {
    const body = await json(await call(fixture.app, '/api/v1/advisories?ecosystem=Debian&package=openssl'));
    assert.deepEqual(body.items.map((item: any) => item.id), ['DSA-2-1']);
    const release = await json(await call(fixture.app, '/api/v1/advisories?ecosystem=Debian:12'));
    assert.equal(release.items.length, 2);
    const none = await json(await call(fixture.app, '/api/v1/advisories?ecosystem=npm'));
    assert.equal(none.items.length, 0);
  });

  test('findings filter by severity and image', async () => {
    const critical = await json(await call(fixture.app, '/api/v1/findings?severity=critical'));
    assert.equal(critical.items.length, 2);
    const both = await json(await call(fixture.app, `/api/v1/findings?severity=critical,low&image=${IMAGE_A}`));
    assert.equal(both.items.length, 2);
    const byAlias = await json(await call(fixture.app, '/api/v1/findings?advisory=CVE-2026-0002'));
    assert.deepEqual(byAlias.items.map((item: any) => item.packageName), ['openssl']);
  });

  test('notices newest first and dead letters', async () => {
    const notices = await json(await call(fixture.app, '/api/v1/notices'));
    assert.deepEqual(notices.items.map((item: any) => item.id), ['n3', 'n2', 'n1']);
    const dead = await json(await call(fixture.app, '/api/v1/deliveries?status=dead'));
    assert.deepEqual(dead.items.map((item: any) => item.noticeId), ['n2']);
    assert.equal(dead.items[0].lastError, 'HTTP 500');
  });

  test('where finds images and running containers', async () => {
    const body = await json(await call(fixture.app, '/api/v1/where?package=zlib1g&version=%3C2'));
    assert.deepEqual(body.items.map((item: any) => item.configDigest).sort(), [IMAGE_A, IMAGE_B]);
    const none = await json(await call(fixture.app, '/api/v1/where?package=zlib1g&version=%3E2'));
    assert.equal(none.items.length, 0);
  });
});

describe('details', () => {
  test('container by endpoint and id', async () => {
    const response = await call(fixture.app, `/api/v1/containers/local/${'1'.repeat(64)}`);
    assert.equal(response.status, 200);
    const body = await json(response);
    assert.equal(body.name, 'web');
    assert.deepEqual(body.labels, { team: 'ops' });
    assert.equal(body.findingList.length, 2);
  });

  test('unknown container is 404', async () => {
    const response = await call(fixture.app, '/api/v1/containers/local/nope');
    assert.equal(response.status, 404);
    assert.equal((await json(response)).error.code, 'not_found');
  });

  test('image detail has layers, packages and findings', async () => {
    const body = await json(await call(fixture.app, `/api/v1/images/${IMAGE_A}`));
    assert.equal(body.layers.length, 1);
    assert.equal(body.layers[0].packages, 3);
    assert.equal(body.packages.length, 3);
    assert.equal(body.findingList.length, 2);
    assert.equal(body.trust, null);
  });

  test('advisory by id and by alias', async () => {
    const byId = await json(await call(fixture.app, '/api/v1/advisories/DSA-1-1'));
    assert.equal(byId.affectedImages, 2);
    assert.equal(byId.record.id, 'DSA-1-1');
    const byAlias = await json(await call(fixture.app, '/api/v1/advisories/CVE-2026-0002'));
    assert.equal(byAlias.id, 'DSA-2-1');
  });
});

describe('validation', () => {
  const cases: Array<{ target: string; field: string }> = [
    { target: '/api/v1/containers?limit=501', field: 'limit' },
    { target: '/api/v1/containers?limit=0', field: 'limit' },
    { target: '/api/v1/containers?limit=ten', field: 'limit' },
    { target: '/api/v1/containers?offset=-1', field: 'offset' },
    { target: '/api/v1/containers?cursor=garbage', field: 'cursor' },
    { target: '/api/v1/containers?includeRemoved=maybe', field: 'includeRemoved' },
    { target: '/api/v1/containers?colour=blue', field: 'colour' },
    { target: '/api/v1/findings?severity=huge', field: 'severity' },
    { target: '/api/v1/findings?image=latest', field: 'image' },
    { target: '/api/v1/findings?state=gone', field: 'state' },
    { target: '/api/v1/notices?since=yesterday', field: 'since' },
    { target: '/api/v1/deliveries?status=lost', field: 'status' },
    { target: '/api/v1/where', field: 'package' },
    { target: '/api/v1/where?package=zlib1g&version=%3C', field: 'version' },
    { target: '/api/v1/images/sha256:short', field: 'digest' },
  ];
  for (const { target, field } of cases) {
    test(`400 names ${field} for ${target}`, async () => {
      const response = await call(fixture.app, target);
      assert.equal(response.status, 400);
      const body = await json(response);
      assert.equal(body.error.code, 'invalid_request');
      assert.equal(body.error.field, field);
      assert.match(body.error.message, new RegExp(field));
    });
  }

  test('400 names the body field', async () => {
    const response = await call(fixture.app, '/api/v1/ignore-rules', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ advisory: 'DSA-1-1', reason: '' }),
    });
    assert.equal(response.status, 400);
    const body = await json(response);
    assert.equal(body.error.field, 'reason');
  });

  test('400 names an invalid expiry', async () => {
    const response = await call(fixture.app, '/api/v1/ignore-rules', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ advisory: 'DSA-1-1', reason: 'test', expiresAt: 'next week' }),
    });
    assert.equal(response.status, 400);
    assert.equal((await json(response)).error.field, 'expiresAt');
  });

  test('catch-all ignore rule needs everywhere', async () => {
    const post = (rule: object) =>
      call(fixture.app, '/api/v1/ignore-rules', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(rule) });
    const refused = await post({ reason: 'hides everything' });
    assert.equal(refused.status, 400);
    assert.equal((await json(refused)).error.field, 'advisory');

    const past = await post({ advisory: 'DSA-1-1', reason: 'old', expiresAt: '2000-01-01' });
    assert.equal(past.status, 400);
    assert.equal((await json(past)).error.field, 'expiresAt');

    const accepted = await post({ reason: 'lab image, findings reviewed elsewhere', everywhere: true });
    assert.equal(accepted.status, 201);
    // The fixture is shared: remove the rule so it hides nothing from later tests.
    const { id } = (await json(accepted)) as unknown as { id: number };
    const removed = await call(fixture.app, `/api/v1/ignore-rules/${id}`, { method: 'DELETE' });
    assert.equal(removed.status, 204);
  });

  test('non-JSON body is 415', async () => {
    const response = await call(fixture.app, '/api/v1/ignore-rules', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'reason=x' });
    assert.equal(response.status, 415);
  });

  test('unknown route is a JSON 404', async () => {
    const response = await call(fixture.app, '/api/v1/nothing');
    assert.equal(response.status, 404);
    assert.equal((await json(response)).error.code, 'not_found');
  });
});

describe('ignore rules', () => {
  test('create, hide, list and delete', async () => {
    const created = await call(fixture.app, '/api/v1/ignore-rules', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ advisory: 'CVE-2026-0002', reason: 'openssl is not reachable' }),
    });
    assert.equal(created.status, 201);
    const rule = await json(created);
    assert.equal(rule.createdBy, 'token:test');

    const visible = await json(await call(fixture.app, `/api/v1/findings?image=${IMAGE_A}`));
    assert.deepEqual(visible.items.map((item: any) => item.packageName), ['zlib1g']);
    const all = await json(await call(fixture.app, `/api/v1/findings?image=${IMAGE_A}&includeIgnored=true`));
    assert.equal(all.items.length, 2);
    assert.equal(all.items.find((item: any) => item.packageName === 'openssl').ignoredBy.id, rule.id);

    const listed = await json(await call(fixture.app, '/api/v1/ignore-rules'));
    assert.deepEqual(listed.items.map((item: any) => item.id), [rule.id]);

    const removed = await call(fixture.app, `/api/v1/ignore-rules/${rule.id}`, { method: 'DELETE' });
    assert.equal(removed.status, 204);
    const again = await call(fixture.app, `/api/v1/ignore-rules/${rule.id}`, { method: 'DELETE' });
    assert.equal(again.status, 404);
  });
});

describe('control', () => {
  test('sync without a monitor is 503', async () => {
    const response = await call(fixture.app, '/api/v1/sync', { method: 'POST' });
    assert.equal(response.status, 503);
  });

  test('status counts rows', async () => {
    const body = await json(await call(fixture.app, '/api/v1/status'));
    assert.deepEqual(body.counts, { containers: 3, images: 2, advisories: 2, notices: 3 });
    assert.equal(body.monitor, null);
  });
});

describe('feeds', () => {
  const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@_', isArray: (name) => ['entry', 'link'].includes(name) });

  function parseAtom(xml: string): any {
    assert.equal(XMLValidator.validate(xml), true);
    return parser.parse(xml).feed;
  }

  test('all notices with a feed:all token', async () => {
    const response = await call(fixture.app, `/feed.atom?token=${FEED_TOKEN}`, { token: null });
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^application\/atom\+xml/);
    const xml = await response.text();
    const feed = parseAtom(xml);
    assert.equal(feed['@_xmlns'], 'http://www.w3.org/2005/Atom');
    assert.deepEqual(feed.entry.map((entry: any) => entry.id), ['urn:bosun:notice:n3', 'urn:bosun:notice:n2', 'urn:bosun:notice:n1']);
    assert.equal(feed.link[0]['@_href'], 'http://127.0.0.1:8780/feed.atom');
    assert.doesNotMatch(xml, new RegExp(FEED_TOKEN), 'the token must not be echoed into the feed');
  });

  test('endpoint feed with its own token', async () => {
    const response = await call(fixture.app, `/feed/endpoint/local.atom?token=${ENDPOINT_FEED_TOKEN}`, { token: null });
    assert.equal(response.status, 200);
    const feed = parseAtom(await response.text());
    assert.deepEqual(feed.entry.map((entry: any) => entry.id), ['urn:bosun:notice:n2', 'urn:bosun:notice:n1']);
  });

  test('endpoint token cannot read another endpoint', async () => {
    const other = await call(fixture.app, `/feed/endpoint/edge.atom?token=${ENDPOINT_FEED_TOKEN}`, { token: null });
    assert.equal(other.status, 403);
    const all = await call(fixture.app, `/feed.atom?token=${ENDPOINT_FEED_TOKEN}`, { token: null });
    assert.equal(all.status, 403);
  });

  test('feed:all reads any endpoint feed', async () => {
    const response = await call(fixture.app, `/feed/endpoint/edge.atom?token=${FEED_TOKEN}`, { token: null });
    assert.equal(response.status, 200);
    assert.deepEqual(parseAtom(await response.text()).entry.map((entry: any) => entry.id), ['urn:bosun:notice:n3']);
  });

  test('feed without token is 401', async () => {
    const response = await call(fixture.app, '/feed.atom', { token: null });
    assert.equal(response.status, 401);
  });

  test('unknown endpoint feed is 404', async () => {
    const response = await call(fixture.app, `/feed/endpoint/nowhere.atom?token=${FEED_TOKEN}`, { token: null });
    assert.equal(response.status, 404);
  });
});

describe('metrics', () => {
  const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*"(?:,[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*")*)?\})? (-?[0-9.e+]+|NaN|[+-]Inf)$/;

  async function scrape(token: string): Promise<Map<string, number>> {
    const response = await call(fixture.app, '/metrics', { token });
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    const samples = new Map<string, number>();
    const typed = new Set<string>();
    for (const line of (await response.text()).trimEnd().split('\n')) {
      const type = /^# TYPE ([^ ]+) (counter|gauge|histogram|summary)$/.exec(line);
      if (type) {
        typed.add(type[1]!);
        continue;
      }
      if (line.startsWith('# HELP ')) continue;
      const match = SAMPLE.exec(line);
      assert.ok(match, `not a sample line: ${line}`);
      const family = match[1]!.replace(/_(bucket|sum|count)$/, '');
      assert.ok(typed.has(match[1]!) || typed.has(family), `sample before its TYPE: ${line}`);
      samples.set(`${match[1]}${match[2] ?? ''}`, Number(match[4]));
    }
    return samples;
  }

  test('needs a token', async () => {
    assert.equal((await call(fixture.app, '/metrics', { token: null })).status, 401);
    assert.equal((await call(fixture.app, '/metrics', { token: FEED_TOKEN })).status, 403);
  });

  test('parses line by line with the seeded values', async () => {
    const samples = await scrape(METRICS_TOKEN);
    assert.equal(samples.get('bosun_containers{verdict="unknown"}'), 3);
    assert.equal(samples.get('bosun_findings{severity="critical"}'), 2);
    assert.equal(samples.get('bosun_findings{severity="low"}'), 1);
    assert.equal(samples.get('bosun_deliveries{status="dead"}'), 1);
    assert.equal(samples.get('bosun_notification_failures{channel="hook"}'), 6);
    assert.equal(samples.get('bosun_endpoint_up{endpoint="local"}'), 1);
    assert.equal(samples.get('bosun_endpoint_up{endpoint="edge"}'), 0);
    assert.equal(samples.get('bosun_scan_duration_seconds_count'), 0);
    assert.equal(samples.get('bosun_sync_duration_seconds_bucket{le="+Inf"}'), 0);
  });

  test('api token may scrape too', async () => {
    const samples = await scrape(API_TOKEN);
    assert.ok(samples.has('bosun_process_resident_memory_bytes'));
  });
});

describe('openapi', () => {
  test('documents every registered route', async () => {
    const response = await call(fixture.app, '/api/v1/openapi.json');
    assert.equal(response.status, 200);
    const document = await json(response);
    assert.equal(document.openapi, '3.1.0');

    const registered = fixture.app.routes.filter((entry) => entry.method !== 'ALL');
    assert.equal(registered.length, routes.length);
    for (const entry of registered) {
      const spec = routes.find((candidate) => (candidate.honoPath ?? candidate.path.replace(/\{(\w+)\}/g, ':$1')) === entry.path && candidate.method.toUpperCase() === entry.method);
      assert.ok(spec, `no route spec for ${entry.method} ${entry.path}`);
      const operation = document.paths[spec.path]?.[spec.method];
      assert.ok(operation, `${entry.method} ${spec.path} missing from the OpenAPI document`);
      assert.ok(operation.responses[String(spec.response.status)], `${spec.path} lacks its success response`);
    }
  });

  test('brief routes are all documented', async () => {
    const document = await json(await call(fixture.app, '/api/v1/openapi.json'));
    const expected = [
      'get /api/v1/endpoints', 'get /api/v1/containers', 'get /api/v1/containers/{endpoint}/{id}', 'get /api/v1/images', 'get /api/v1/images/{digest}',
      'get /api/v1/advisories', 'get /api/v1/advisories/{id}', 'get /api/v1/findings', 'get /api/v1/notices', 'get /api/v1/deliveries',
      'get /api/v1/ignore-rules', 'post /api/v1/ignore-rules', 'delete /api/v1/ignore-rules/{id}', 'get /api/v1/where', 'post /api/v1/sync',
      'get /api/v1/status', 'get /feed.atom', 'get /feed/endpoint/{name}.atom', 'get /metrics', 'get /healthz', 'get /',
    ];
    for (const entry of expected) {
      const [method, path] = entry.split(' ') as [string, string];
      assert.ok(document.paths[path]?.[method], `${entry} missing`);
    }
  });

  test('query parameters come from the schemas', async () => {
    const document = await json(await call(fixture.app, '/api/v1/openapi.json'));
    const parameters = document.paths['/api/v1/containers'].get.parameters;
    const limit = parameters.find((parameter: any) => parameter.name === 'limit');
    assert.equal(limit.in, 'query');
    assert.equal(limit.schema.maximum, 500);
    const where = document.paths['/api/v1/where'].get.parameters.find((parameter: any) => parameter.name === 'package');
    assert.equal(where.required, true);
  });
});
