import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { logger } from '../../../src/common/log.js';
import { policyVerdicts } from '../../../src/server/index.js';
import { call, IMAGE_A, IMAGE_B, openFixture, type Fixture } from './support.js';

/*
 * Verdicts through the API with a real policy file. The seeded images have no build records or
 * base annotations, so only the image itself decides. It is blocked by its reference, or it is a
 * trusted base by its image ID. The policy pins that ID, because a name alone confirms no base.
 */

let fixture: Fixture;
let policy: string;
before(async () => {
  fixture = await openFixture();
  policy = path.join(path.dirname(fixture.store.location), 'policy.yaml');
  writeFileSync(policy, `trustedBases:\n  - repository: lab/debian\n    digests: ['${IMAGE_B}']\nblocked:\n  - image: lab/app:1\n    reason: test block\n`);
  fixture.server.verdicts = policyVerdicts(fixture.store, policy, logger('test.verdicts'));
});
after(async () => {
  await fixture.close();
});

test('verdicts follow the policy', async () => {
  const a = await fixture.server.verdicts.verdictOf(IMAGE_A);
  assert.equal(a?.verdict, 'blocked');
  const b = await fixture.server.verdicts.verdictOf(IMAGE_B);
  assert.equal(b?.verdict, 'trusted');
  assert.ok((b?.reasons.length ?? 0) > 0);
});

test('unpinned name is not trusted', async () => {
  const unpinned = path.join(path.dirname(fixture.store.location), 'policy-unpinned.yaml');
  writeFileSync(unpinned, 'trustedBases:\n  - repository: lab/debian\n');
  const verdict = await policyVerdicts(fixture.store, unpinned, logger('test.verdicts')).verdictOf(IMAGE_B);
  assert.equal(verdict?.verdict, 'untrusted', verdict?.reasons.join('\n'));
  assert.ok(!verdict!.reasons.some((reason) => /is a trusted base|matches the trusted base/.test(reason)), verdict!.reasons.join('\n'));
});

test('unknown image has no verdict', async () => {
  assert.equal(await fixture.server.verdicts.verdictOf(`sha256:${'f'.repeat(64)}`), null);
});

test('containers and metrics show verdicts', async () => {
  const body = (await (await call(fixture.app, '/api/v1/containers')).json()) as { items: Array<{ name: string; verdict: string }> };
  assert.deepEqual(Object.fromEntries(body.items.map((item) => [item.name, item.verdict])), { cache: 'blocked', db: 'trusted', web: 'blocked' });
  const detail = (await (await call(fixture.app, `/api/v1/images/${IMAGE_A}`)).json()) as { trust: { verdict: string; reasons: string[] } };
  assert.equal(detail.trust.verdict, 'blocked');
  assert.ok(detail.trust.reasons.some((reason) => reason.includes('test block')), detail.trust.reasons.join('; '));
  const metrics = await (await call(fixture.app, '/metrics')).text();
  assert.match(metrics, /^bosun_containers\{verdict="blocked"\} 2$/m);
  assert.match(metrics, /^bosun_containers\{verdict="trusted"\} 1$/m);
});
