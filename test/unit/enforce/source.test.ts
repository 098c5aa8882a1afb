import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { Digest } from '../../../src/common/digest.js';
import { trustSourceJudge, type ImageJudge, type ImageResolver, type Judgement, type ResolvedImage, type Verdict } from '../../../src/enforce/index.js';
import { openStore, type Store } from '../../../src/store/index.js';
import { approveSource, compilePolicy, loadPolicy, rememberKnownImage, resolveBuildSource, type CompiledPolicy } from '../../../src/trust/index.js';

// The source judge on Dockerfiles whose FROM names trusted bases. A name alone never confirms a
// base. A digest in the Dockerfile or the image ID that the name resolves to must confirm it.

function digest(label: string): Digest {
  return `sha256:${Buffer.from(label).toString('hex').padEnd(64, '0').slice(0, 64)}` as Digest;
}

const PINNED_MANIFEST = digest('pinned-manifest');
const PINNED_CONFIG = digest('pinned-config');
const RESOLVED_MANIFEST = digest('resolved-manifest');
const RESOLVED_CONFIG = digest('resolved-config');
const OTHER = digest('other');
const SPOOF_CONFIG = digest('spoof-config');

const POLICY_BASES = [
  'trustedBases:',
  '  - repository: 127.0.0.1:5000/lab/pinned',
  `    digests: ['${PINNED_MANIFEST}', '${PINNED_CONFIG}']`,
  '  - repository: 127.0.0.1:5000/lab/resolved',
  '  - repository: 127.0.0.1:5000/lab/named',
  'blocked:',
  '  - image: 127.0.0.1:5000/lab/bad',
  '    reason: test block',
];

/** Images the fake resolver finds: each name is a tag on the image with this config digest. */
const ENGINE: Record<string, Digest> = {
  '127.0.0.1:5000/lab/pinned:1': PINNED_CONFIG,
  '127.0.0.1:5000/lab/resolved:1': RESOLVED_CONFIG,
  // A local tag that puts a trusted name on another image.
  '127.0.0.1:5000/lab/named:1': SPOOF_CONFIG,
};

const UNKNOWN_ORIGIN: Judgement = { verdict: 'untrusted', reasons: ['the origin of the image is unknown'], chain: [] };

interface Case {
  name: string;
  from: string;
  /** Whether the judge may look the base up and judge its chain. */
  lookup: boolean;
  verdict: Verdict;
  reason: RegExp;
  /** Config digests the image judge is asked about. */
  judged: Digest[];
}

const CASES: Case[] = [
  { name: 'name-unpinned', from: '127.0.0.1:5000/lab/named:1', lookup: false, verdict: 'untrusted', reason: /named:1 \(FROM on line 1\) is not a confirmed trusted base: its name matches the trusted base 127\.0\.0\.1:5000\/lab\/named/, judged: [] },
  { name: 'name-resolved-entry', from: '127.0.0.1:5000/lab/resolved:1', lookup: false, verdict: 'untrusted', reason: /resolved:1 \(FROM on line 1\) is not a confirmed trusted base/, judged: [] },
  { name: 'name-pinned-entry', from: '127.0.0.1:5000/lab/pinned:1', lookup: false, verdict: 'untrusted', reason: /pinned:1 \(FROM on line 1\) is not a confirmed trusted base/, judged: [] },
  { name: 'digest-pinned', from: `127.0.0.1:5000/lab/pinned@${PINNED_MANIFEST}`, lookup: false, verdict: 'trusted', reason: /is a trusted base \(127\.0\.0\.1:5000\/lab\/pinned\), confirmed by the digest in the Dockerfile/, judged: [] },
  { name: 'digest-not-pinned', from: `127.0.0.1:5000/lab/pinned@${OTHER}`, lookup: false, verdict: 'untrusted', reason: /is not a confirmed trusted base/, judged: [] },
  { name: 'digest-resolved', from: `127.0.0.1:5000/lab/resolved@${RESOLVED_MANIFEST}`, lookup: false, verdict: 'trusted', reason: /is a trusted base \(127\.0\.0\.1:5000\/lab\/resolved\), confirmed by the digest in the Dockerfile/, judged: [] },
  { name: 'digest-not-resolved', from: `127.0.0.1:5000/lab/resolved@${OTHER}`, lookup: false, verdict: 'untrusted', reason: /is not a confirmed trusted base/, judged: [] },
  { name: 'digest-other-entry', from: `127.0.0.1:5000/lab/named@${RESOLVED_MANIFEST}`, lookup: false, verdict: 'untrusted', reason: /is not a confirmed trusted base/, judged: [] },
  { name: 'blocked', from: '127.0.0.1:5000/lab/bad:1', lookup: false, verdict: 'blocked', reason: /bad:1 \(FROM on line 1\) is blocked by "127\.0\.0\.1:5000\/lab\/bad": test block/, judged: [] },
  { name: 'lookup-pinned-id', from: '127.0.0.1:5000/lab/pinned:1', lookup: true, verdict: 'trusted', reason: new RegExp(`is a trusted base \\(127\\.0\\.0\\.1:5000/lab/pinned\\), confirmed by its image ID ${PINNED_CONFIG}`), judged: [] },
  { name: 'lookup-resolved-id', from: '127.0.0.1:5000/lab/resolved:1', lookup: true, verdict: 'trusted', reason: new RegExp(`is a trusted base \\(127\\.0\\.0\\.1:5000/lab/resolved\\), confirmed by its image ID ${RESOLVED_CONFIG}`), judged: [] },
  { name: 'lookup-spoofed-tag', from: '127.0.0.1:5000/lab/named:1', lookup: true, verdict: 'untrusted', reason: /named:1 \(FROM on line 1\) is untrusted: the origin of the image is unknown/, judged: [SPOOF_CONFIG] },
  { name: 'lookup-missing', from: '127.0.0.1:5000/lab/named:2', lookup: true, verdict: 'untrusted', reason: /named:2 \(FROM on line 1\) is not a confirmed trusted base and cannot be found to judge it/, judged: [] },
];

let root: string;
let store: Store;
let policy: CompiledPolicy;

before(async () => {
  root = mkdtempSync(path.join(tmpdir(), 'bosun-source-judge-'));
  store = await openStore({ dataDir: path.join(root, 'data') });
  // A registry resolution of lab/resolved, as refreshTrustedBases stores it.
  await rememberKnownImage(
    store,
    { configDigest: RESOLVED_CONFIG, manifestDigest: RESOLVED_MANIFEST, references: ['127.0.0.1:5000/lab/resolved:1'], diffIds: [], annotations: {} },
    'trusted-base',
  );
  const policyFile = path.join(root, 'policy.yaml');
  writeFileSync(policyFile, [...POLICY_BASES, 'auditedSources:', ...CASES.map((entry) => `  - ${entry.name}`), ''].join('\n'));
  policy = compilePolicy(await loadPolicy(policyFile, { required: true }));
});

after(async () => {
  await store.close();
  rmSync(root, { recursive: true, force: true });
});

/** Writes and approves a build directory whose Dockerfile starts FROM `from`. */
async function approvedSource(name: string, from: string): Promise<{ contextDir: string; dockerfile: string }> {
  const directory = path.join(root, name);
  mkdirSync(directory, { recursive: true });
  writeFileSync(path.join(directory, 'Dockerfile'), `FROM ${from}\nUSER 1000\n`);
  const source = await resolveBuildSource(directory);
  await approveSource(store, source, { by: 'alice' });
  return source;
}

function fakeImages(judged: Digest[]): { resolver: ImageResolver; judge: ImageJudge } {
  const resolved = (target: string, configDigest: Digest): ResolvedImage => ({ target, references: [target], configDigest, manifestDigest: undefined, diffIds: [], annotations: {} });
  return {
    resolver: { resolveImage: async (image) => (ENGINE[image] === undefined ? undefined : resolved(image, ENGINE[image])) },
    judge: {
      judgeImage: async (image) => {
        judged.push(image.configDigest);
        return UNKNOWN_ORIGIN;
      },
    },
  };
}

for (const entry of CASES) {
  test(`source judge base ${entry.name}`, async () => {
    const source = await approvedSource(entry.name, entry.from);
    const judged: Digest[] = [];
    const judge = trustSourceJudge(store, policy, entry.lookup ? { images: fakeImages(judged) } : {});

    const judgement = await judge.judgeSource({ ...source, args: {}, target: undefined });

    assert.equal(judgement.verdict, entry.verdict, judgement.reasons.join('\n'));
    assert.ok(judgement.reasons.some((reason) => entry.reason.test(reason)), judgement.reasons.join('\n'));
    assert.ok(judgement.reasons.some((reason) => reason.includes('is unchanged since alice approved it')), judgement.reasons.join('\n'));
    assert.deepEqual(judged, entry.judged);
  });
}
