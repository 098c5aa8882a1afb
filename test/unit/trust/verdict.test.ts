import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { Digest, DiffId } from '../../../src/common/digest.js';
import { openStore, type Store } from '../../../src/store/index.js';
import type { ImageFacts } from '../../../src/trust/chain/index.js';
import { compilePolicy, loadPolicy } from '../../../src/trust/policy/index.js';
import { findBuild, listKnownImages, recordBuild, rememberKnownImage } from '../../../src/trust/store.js';
import { approveSource, auditSource, openTrustSession, renderVerdict, resolveBuildSource, type BuildSource, type Verdict } from '../../../src/trust/verdict/index.js';
import { pinBuildContext } from '../../../src/trust/audit/index.js';

function digest(label: string): Digest {
  return `sha256:${Buffer.from(label).toString('hex').padEnd(64, '0').slice(0, 64)}` as Digest;
}

const BASE_LAYER = digest('layer-base') as unknown as DiffId;
const APP_LAYER = digest('layer-app') as unknown as DiffId;
const BASE_MANIFEST = digest('manifest-base');

let root: string;
let store: Store;

before(async () => {
  root = mkdtempSync(path.join(tmpdir(), 'bosun-verdict-'));
  store = await openStore({ dataDir: path.join(root, 'data') });
  await rememberKnownImage(
    store,
    { configDigest: digest('config-base'), manifestDigest: BASE_MANIFEST, references: ['127.0.0.1:5000/lab/debian:bookworm'], diffIds: [BASE_LAYER], annotations: {} },
    'trusted-base',
  );
  await rememberKnownImage(
    store,
    { configDigest: digest('config-other'), manifestDigest: digest('manifest-other'), references: ['127.0.0.1:5000/other/debian:12'], diffIds: [BASE_LAYER], annotations: {} },
    'user',
  );
});

after(async () => {
  await store.close();
  rmSync(root, { recursive: true, force: true });
});

/** Writes a build directory with a Dockerfile and one context file. */
function writeSource(name: string, from = '127.0.0.1:5000/lab/debian:bookworm'): string {
  const directory = path.join(root, name);
  mkdirSync(directory, { recursive: true });
  writeFileSync(path.join(directory, 'Dockerfile'), `FROM ${from}\nCOPY app.txt /app.txt\nUSER 1000\n`);
  writeFileSync(path.join(directory, 'app.txt'), `${name}\n`);
  return directory;
}

async function writePolicy(name: string, body: string): Promise<ReturnType<typeof compilePolicy>> {
  const file = path.join(root, `${name}.yaml`);
  writeFileSync(file, body);
  return compilePolicy(await loadPolicy(file));
}

/** Records a build of `source` whose output is `name`, with the current content digest. */
async function recordBuildOf(source: BuildSource, name: string, parent: { reference: string; digest: Digest } | null): Promise<ImageFacts> {
  const pin = await pinBuildContext({ contextDir: source.contextDir, dockerfile: source.dockerfile });
  await recordBuild(store, { source: source.dockerfile, contextDir: source.contextDir, contentDigest: pin.digest, parent, bases: [], configDigest: digest(`config-${name}`) });
  return { target: `docker-daemon:${name}`, references: [`docker.io/bosun-test/${name}:1`], configDigest: digest(`config-${name}`), manifestDigest: undefined, diffIds: parent === null ? [APP_LAYER] : [BASE_LAYER, APP_LAYER], annotations: {} };
}

const DEBIAN_PARENT = { reference: '127.0.0.1:5000/lab/debian:bookworm', digest: BASE_MANIFEST };
const TRUST_DEBIAN = 'trustedBases:\n  - repository: 127.0.0.1:5000/lab/debian\n';

async function judge(policy: ReturnType<typeof compilePolicy>, facts: ImageFacts): Promise<Verdict> {
  const session = await openTrustSession(store, policy, { offline: true });
  return session.evaluate(facts);
}

test('approved unchanged source is trusted', async () => {
  const source = await resolveBuildSource(writeSource('trusted'));
  await approveSource(store, source, { by: 'alice' });
  const facts = await recordBuildOf(source, 'trusted', DEBIAN_PARENT);
  const verdict = await judge(await writePolicy('trusted', `${TRUST_DEBIAN}auditedSources: [trusted]\n`), facts);
  assert.equal(verdict.verdict, 'trusted', verdict.reasons.join('\n'));
  assert.equal(verdict.chain.links[1]!.evidence, 'build-record');
  assert.ok(verdict.reasons.some((reason) => reason.includes('approved by alice')));
  assert.match(renderVerdict(verdict), /: trusted\n/);
});

test('edited source is unaudited with diff', async () => {
  const directory = writeSource('edited');
  const source = await resolveBuildSource(directory);
  await approveSource(store, source, { by: 'alice' });
  const facts = await recordBuildOf(source, 'edited', DEBIAN_PARENT);
  writeFileSync(path.join(directory, 'Dockerfile'), 'FROM 127.0.0.1:5000/lab/debian:bookworm\nCOPY app.txt /app.txt\nUSER root\n');
  const verdict = await judge(await writePolicy('edited', `${TRUST_DEBIAN}auditedSources: [edited]\n`), facts);
  assert.equal(verdict.verdict, 'unaudited');
  assert.ok(verdict.reasons.some((reason) => reason.includes('changed since alice approved it')), verdict.reasons.join('\n'));
  assert.match(verdict.sources[0]!.diff!.dockerfileDiff!, /^-USER 1000\n\+USER root$/m);
  assert.match(renderVerdict(verdict), /\+USER root/);
});

test('unlisted source is unaudited', async () => {
  const source = await resolveBuildSource(writeSource('unlisted'));
  await approveSource(store, source, { by: 'alice' });
  const facts = await recordBuildOf(source, 'unlisted', DEBIAN_PARENT);
  const verdict = await judge(await writePolicy('unlisted', TRUST_DEBIAN), facts);
  assert.equal(verdict.verdict, 'unaudited');
  assert.ok(verdict.reasons.some((reason) => reason.includes('does not list under auditedSources')));
});

test('never approved source is unaudited', async () => {
  const source = await resolveBuildSource(writeSource('unapproved'));
  const facts = await recordBuildOf(source, 'unapproved', DEBIAN_PARENT);
  const verdict = await judge(await writePolicy('unapproved', `${TRUST_DEBIAN}auditedSources: [unapproved]\n`), facts);
  assert.equal(verdict.verdict, 'unaudited');
  assert.ok(verdict.reasons.some((reason) => reason.includes('never approved')));
});

test('build of unapproved content is unaudited', async () => {
  const directory = writeSource('drift');
  const source = await resolveBuildSource(directory);
  writeFileSync(path.join(directory, 'app.txt'), 'built before the review\n');
  const facts = await recordBuildOf(source, 'drift', DEBIAN_PARENT);
  writeFileSync(path.join(directory, 'app.txt'), 'drift\n');
  await approveSource(store, source, { by: 'bob' });
  const verdict = await judge(await writePolicy('drift', `${TRUST_DEBIAN}auditedSources: [drift]\n`), facts);
  assert.equal(verdict.verdict, 'unaudited');
  assert.ok(verdict.reasons.some((reason) => reason.includes('that no approval pinned')), verdict.reasons.join('\n'));
});

test('untrusted base is untrusted', async () => {
  const source = await resolveBuildSource(writeSource('untrusted', '127.0.0.1:5000/other/debian:12'));
  await approveSource(store, source, { by: 'alice' });
  const facts = await recordBuildOf(source, 'untrusted', { reference: '127.0.0.1:5000/other/debian:12', digest: digest('manifest-other') });
  const verdict = await judge(await writePolicy('untrusted', `${TRUST_DEBIAN}auditedSources: [untrusted]\n`), facts);
  assert.equal(verdict.verdict, 'untrusted');
  assert.ok(verdict.reasons[0]!.includes('127.0.0.1:5000/other/debian:12 is not a trusted base'), verdict.reasons.join('\n'));
});

test('scratch build is trusted', async () => {
  const source = await resolveBuildSource(writeSource('static', 'scratch'));
  await approveSource(store, source, { by: 'alice' });
  const facts = await recordBuildOf(source, 'static', null);
  const verdict = await judge(await writePolicy('static', 'auditedSources: [static/Dockerfile]\n'), facts);
  assert.equal(verdict.verdict, 'trusted', verdict.reasons.join('\n'));
  assert.equal(verdict.chain.end, 'scratch');
  assert.ok(verdict.reasons.includes('the chain ends in FROM scratch'));
});

test('blocked wins over trusted', async () => {
  const source = await resolveBuildSource(writeSource('blockedapp'));
  await approveSource(store, source, { by: 'alice' });
  const facts = await recordBuildOf(source, 'blockedapp', DEBIAN_PARENT);
  const policy = await writePolicy('blocked', `${TRUST_DEBIAN}auditedSources: [blockedapp]\nblocked:\n  - image: bosun-test/blockedapp\n    reason: retired\n`);
  const verdict = await judge(policy, facts);
  assert.equal(verdict.verdict, 'blocked');
  assert.match(verdict.reasons[0]!, /blocked by "bosun-test\/blockedapp": retired/);
});

test('blocked base blocks image', async () => {
  const source = await resolveBuildSource(writeSource('onblocked'));
  await approveSource(store, source, { by: 'alice' });
  const facts = await recordBuildOf(source, 'onblocked', DEBIAN_PARENT);
  const policy = await writePolicy('blockedbase', `${TRUST_DEBIAN}auditedSources: [onblocked]\nblocked:\n  - image: "${BASE_MANIFEST}"\n`);
  const verdict = await judge(policy, facts);
  assert.equal(verdict.verdict, 'blocked');
  assert.match(verdict.reasons[0]!, /^base 127\.0\.0\.1:5000\/lab\/debian:bookworm is blocked/);
});

test('trusted base itself is trusted', async () => {
  const facts: ImageFacts = { target: '127.0.0.1:5000/lab/debian:bookworm', references: ['127.0.0.1:5000/lab/debian:bookworm'], configDigest: digest('config-base'), manifestDigest: BASE_MANIFEST, diffIds: [BASE_LAYER], annotations: {} };
  const verdict = await judge(await writePolicy('itself', TRUST_DEBIAN), facts);
  assert.equal(verdict.verdict, 'trusted');
  assert.match(verdict.reasons[0]!, /^trusted base/);
});

test('unknown origin is untrusted', async () => {
  const facts: ImageFacts = { target: 'stray', references: [], configDigest: digest('config-stray'), manifestDigest: undefined, diffIds: [digest('layer-stray') as unknown as DiffId], annotations: {} };
  const verdict = await judge(await writePolicy('stray', TRUST_DEBIAN), facts);
  assert.equal(verdict.verdict, 'untrusted');
  assert.deepEqual(verdict.reasons.length, 1);
  assert.match(verdict.reasons[0]!, /origin of image stray is unknown/);
});

test('audit report shows changes since approval', async () => {
  const directory = writeSource('report');
  const source = await resolveBuildSource(directory);
  const first = await auditSource(store, source);
  assert.equal(first.approval, null);
  assert.equal(first.changedSinceApproval, null);
  await approveSource(store, source, { by: 'carol', now: new Date('2025-03-01T10:00:00Z') });
  writeFileSync(path.join(directory, 'extra.txt'), 'x\n');
  writeFileSync(path.join(directory, 'Dockerfile'), 'FROM 127.0.0.1:5000/lab/debian:bookworm\nCOPY . /app/\nUSER 1000\n');
  const report = await auditSource(store, source);
  assert.deepEqual(report.approval?.by, 'carol');
  assert.equal(report.approval?.at, '2025-03-01T10:00:00.000Z');
  assert.equal(report.changedSinceApproval, true);
  assert.deepEqual(report.diff?.added, ['extra.txt']);
  assert.deepEqual(report.diff?.changed, ['Dockerfile']);
  assert.match(report.diff!.dockerfileDiff!, /^\+COPY \. \/app\/$/m);
  assert.deepEqual(report.stages.map((stage) => [stage.name, stage.base, stage.baseKind]), [[null, '127.0.0.1:5000/lab/debian:bookworm', 'image']]);
});

test('approver name is validated', async () => {
  const source = await resolveBuildSource(writeSource('names'));
  await assert.rejects(approveSource(store, source, { by: '  ' }), /invalid approver name/);
  await assert.rejects(approveSource(store, source, { by: 'a\u001b[31m' }), /invalid approver name/);
});

test('build record stores parent among bases', async () => {
  const record = await recordBuild(store, {
    source: '/nowhere/Dockerfile',
    contextDir: '/nowhere',
    contentDigest: digest('content-x'),
    parent: DEBIAN_PARENT,
    bases: [{ reference: '127.0.0.1:5000/lab/tools:1', digest: digest('manifest-tools') }],
    configDigest: digest('config-x'),
    manifestDigest: digest('manifest-x'),
  });
  assert.deepEqual(record.bases.map((base) => base.reference), ['127.0.0.1:5000/lab/debian:bookworm', '127.0.0.1:5000/lab/tools:1']);
  const found = await findBuild(store, { configDigest: digest('config-none'), manifestDigest: digest('manifest-x') });
  assert.equal(found?.id, record.id);
  assert.deepEqual(found?.parent, DEBIAN_PARENT);
  await assert.rejects(recordBuild(store, { ...record, configDigest: 'sha256:short' as Digest }), /invalid config digest/);
});

test('known image takes trusted-base origin', async () => {
  const image = { configDigest: digest('config-kept'), manifestDigest: undefined, references: ['a:1'], diffIds: [BASE_LAYER], annotations: {} };
  await rememberKnownImage(store, image, 'user');
  await rememberKnownImage(store, { ...image, references: ['b:1'] }, 'trusted-base');
  const entry = (await listKnownImages(store)).find((known) => known.configDigest === image.configDigest);
  assert.equal(entry?.origin, 'trusted-base', 'a registry resolution of a trusted base confirms the image');
  assert.deepEqual(entry?.references, ['a:1', 'b:1']);

  await rememberKnownImage(store, { ...image, references: ['c:1'] }, 'user');
  const again = (await listKnownImages(store)).find((known) => known.configDigest === image.configDigest);
  assert.equal(again?.origin, 'trusted-base', 'a later user addition keeps the trusted-base origin');
});
