import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Digest, DiffId } from '../../../src/common/digest.js';
import { resolveChain, type ChainContext, type ImageFacts } from '../../../src/trust/chain/index.js';
import { compilePolicy, policySchema } from '../../../src/trust/policy/index.js';
import type { BuildRecord, KnownImage } from '../../../src/trust/store.js';

/** Builds a digest from the hex of a readable label, so failures show which image is which. */
function digest(label: string): Digest {
  const hex = Buffer.from(label).toString('hex').padEnd(64, '0').slice(0, 64);
  return `sha256:${hex}` as Digest;
}

const LAYERS = ['l1', 'l2', 'l3', 'l4'].map((label) => digest(label) as unknown as DiffId);

function known(name: string, layers: number, origin: KnownImage['origin'] = 'user', extra: Partial<KnownImage> = {}): KnownImage {
  return { configDigest: digest(`config-${name}`), manifestDigest: digest(`manifest-${name}`), references: [`127.0.0.1:5000/lab/${name}:1`], diffIds: LAYERS.slice(0, layers), annotations: {}, origin, ...extra };
}

function facts(name: string, layers: number, annotations: Record<string, string> = {}): ImageFacts {
  return { target: `127.0.0.1:5000/lab/${name}:1`, references: [`127.0.0.1:5000/lab/${name}:1`], configDigest: digest(`config-${name}`), manifestDigest: undefined, diffIds: LAYERS.slice(0, layers), annotations };
}

/** A trusted-base entry: a repository, or a repository with digest pins. */
type TrustedEntry = string | { repository: string; digests: Digest[] };

function context(images: KnownImage[], trusted: TrustedEntry[] = [], builds: BuildRecord[] = [], openBase?: ChainContext['openBase']): ChainContext {
  const policy = compilePolicy({
    file: 'policy.yaml',
    exists: true,
    policy: policySchema.parse({ trustedBases: trusted.map((entry) => (typeof entry === 'string' ? { repository: entry } : entry)) }),
    auditedSources: [],
    warnings: [],
  });
  return {
    policy,
    known: images,
    findBuild: async ({ configDigest, manifestDigest }) => builds.find((build) => build.configDigest === configDigest || (manifestDigest !== undefined && build.manifestDigest === manifestDigest)),
    openBase,
  };
}

function build(name: string, parent: { reference: string; digest: Digest } | null): BuildRecord {
  return {
    id: 7,
    source: `/src/${name}/Dockerfile`,
    contextDir: `/src/${name}`,
    contentDigest: digest(`content-${name}`),
    parent,
    bases: parent === null ? [] : [parent],
    configDigest: digest(`config-${name}`),
    manifestDigest: undefined,
    builtAt: '2025-01-01T00:00:00.000Z',
  };
}

test('chain picks longest layer prefix', async () => {
  const chain = await resolveChain(facts('app', 3), context([known('base', 1), known('mid', 2), known('other', 2, 'user', { diffIds: [LAYERS[0]!, LAYERS[3]!] })]));
  assert.deepEqual(chain.links.map((link) => link.reference), ['127.0.0.1:5000/lab/app:1', '127.0.0.1:5000/lab/mid:1', '127.0.0.1:5000/lab/base:1']);
  assert.deepEqual(chain.links.map((link) => link.evidence), ['target', 'layer-prefix', 'layer-prefix']);
  assert.equal(chain.end, 'unknown');
});

test('chain stops at trusted base', async () => {
  const chain = await resolveChain(facts('app', 3), context([known('base', 1), known('mid', 2, 'trusted-base')], ['127.0.0.1:5000/lab/mid']));
  assert.equal(chain.links.length, 2);
  assert.equal(chain.links[1]!.trusted, true);
  assert.equal(chain.links[1]!.trustedBy, '127.0.0.1:5000/lab/mid');
  assert.equal(chain.end, 'trusted-base', 'mid has a known parent, so the chain ends at a trusted base');
});

test('trusted base without parent ends in scratch', async () => {
  const chain = await resolveChain(facts('app', 3), context([known('base', 1, 'trusted-base')], ['127.0.0.1:5000/lab/base']));
  assert.equal(chain.end, 'scratch');
});

test('ties prefer trusted base', async () => {
  const images = [known('zzz', 1, 'trusted-base'), known('aaa', 1, 'user', { configDigest: digest('config-aaa') })];
  const chain = await resolveChain(facts('app', 2), context(images, ['127.0.0.1:5000/lab/zzz']));
  assert.equal(chain.links[1]!.reference, '127.0.0.1:5000/lab/zzz:1');
});

test('same config digest is the known image', async () => {
  const base = known('base', 1, 'trusted-base');
  const target: ImageFacts = { ...facts('base', 1), target: 'docker-daemon:lab/base:1', references: ['docker.io/lab/base:1'] };
  const chain = await resolveChain(target, context([base], ['127.0.0.1:5000/lab/base']));
  assert.equal(chain.links.length, 1);
  assert.equal(chain.links[0]!.trusted, true);
  assert.ok(chain.links[0]!.references.includes('127.0.0.1:5000/lab/base:1'));
});

test('same layers other config is identical child', async () => {
  const chain = await resolveChain(facts('relabelled', 1), context([known('base', 1, 'trusted-base')], ['127.0.0.1:5000/lab/base']));
  assert.equal(chain.links[0]!.trusted, false, 'a config change may swap the entrypoint, so the child is not the trusted base');
  assert.equal(chain.links[1]!.evidence, 'identical');
  assert.equal(chain.links[1]!.trusted, true);
});

test('build record FROM scratch ends chain', async () => {
  const chain = await resolveChain(facts('static', 1), context([], [], [build('static', null)]));
  assert.equal(chain.end, 'scratch');
  assert.equal(chain.links[0]!.source, '/src/static/Dockerfile');
});

test('build record names parent by digest', async () => {
  const base = known('base', 1, 'trusted-base');
  const record = build('app', { reference: '127.0.0.1:5000/lab/base:1', digest: base.manifestDigest! });
  const chain = await resolveChain(facts('app', 2), context([base, known('decoy', 1, 'user', { diffIds: [LAYERS[0]!] })], ['127.0.0.1:5000/lab/base'], [record]));
  assert.equal(chain.links[1]!.evidence, 'build-record');
  assert.equal(chain.links[1]!.digest, base.manifestDigest);
  assert.equal(chain.end, 'trusted-base', 'the decoy has the same layers as the base, so the base has a known parent');
});

test('build record parent trusted by digest pin unread', async () => {
  const pinned = digest('manifest-remote');
  const record = build('app', { reference: '127.0.0.1:5000/lab/remote:1', digest: pinned });
  const chain = await resolveChain(facts('app', 2), context([], [{ repository: '127.0.0.1:5000/lab/remote', digests: [pinned] }], [record]));
  assert.equal(chain.links[1]!.trusted, true);
  assert.equal(chain.links[1]!.layers, undefined, 'offline: the base is not read');
});

test('build record with wrong layers ignored', async () => {
  const base = known('base', 1, 'user', { diffIds: [LAYERS[3]!] });
  const record = build('app', { reference: '127.0.0.1:5000/lab/base:1', digest: base.manifestDigest! });
  const chain = await resolveChain(facts('app', 2), context([base], [], [record]));
  assert.ok(chain.warnings.some((warning) => warning.code === 'trust.build_record_mismatch'));
  assert.equal(chain.end, 'unknown');
});

test('annotation verified by layers', async () => {
  const base = known('base', 1);
  const annotations = { 'org.opencontainers.image.base.name': '127.0.0.1:5000/lab/base:1', 'org.opencontainers.image.base.digest': base.manifestDigest! };
  const chain = await resolveChain(facts('app', 3, annotations), context([base, known('mid', 2)], ['127.0.0.1:5000/lab/base']));
  assert.equal(chain.links[1]!.evidence, 'annotation', 'the annotation wins over a longer layer prefix');
  assert.equal(chain.links[1]!.reference, '127.0.0.1:5000/lab/base:1');
});

test('annotation with foreign layers ignored', async () => {
  const base = known('base', 1, 'user', { diffIds: [LAYERS[3]!] });
  const annotations = { 'org.opencontainers.image.base.name': '127.0.0.1:5000/lab/base:1', 'org.opencontainers.image.base.digest': base.manifestDigest! };
  const chain = await resolveChain(facts('app', 2, annotations), context([base], ['127.0.0.1:5000/lab/base']));
  assert.ok(chain.warnings.some((warning) => warning.code === 'trust.annotation_mismatch'));
  assert.equal(chain.links.length, 1);
  assert.equal(chain.end, 'unknown');
});

test('annotation base opened when unknown', async () => {
  const remote = known('remote', 1);
  const annotations = { 'org.opencontainers.image.base.name': '127.0.0.1:5000/lab/remote:1', 'org.opencontainers.image.base.digest': remote.manifestDigest! };
  const opened: string[] = [];
  const chain = await resolveChain(
    facts('app', 2, annotations),
    context([], [{ repository: '127.0.0.1:5000/lab/remote', digests: [remote.manifestDigest!] }], [], async (reference) => {
      opened.push(reference);
      return { ...facts('remote', 1), manifestDigest: remote.manifestDigest, digestsVerified: true };
    }),
  );
  assert.deepEqual(opened, [`127.0.0.1:5000/lab/remote@${remote.manifestDigest}`]);
  assert.equal(chain.links[1]!.evidence, 'annotation');
  assert.equal(chain.links[1]!.trusted, true);
});

test('unreadable annotation base not trusted', async () => {
  const annotations = { 'org.opencontainers.image.base.name': '127.0.0.1:5000/lab/base:1', 'org.opencontainers.image.base.digest': digest('manifest-base') };
  const chain = await resolveChain(facts('app', 2, annotations), context([], ['127.0.0.1:5000/lab/base']));
  assert.ok(chain.warnings.some((warning) => warning.code === 'trust.annotation_unverified'));
  assert.equal(chain.end, 'unknown');
});

test('chain depth is bounded', async () => {
  const images = [1, 2, 3].map((layers) => known(`level${layers}`, layers));
  const chain = await resolveChain(facts('app', 4), { ...context(images), maxDepth: 2 });
  assert.equal(chain.links.length, 2);
  assert.equal(chain.end, 'unknown');
  assert.ok(chain.warnings.some((warning) => warning.code === 'trust.chain_too_long'));
});

test('local tag of trusted name is not trusted', async () => {
  const spoof: ImageFacts = { ...facts('liar', 1), target: 'docker-daemon:127.0.0.1:5000/lab/base:spoof', references: ['127.0.0.1:5000/lab/base:spoof'] };
  const chain = await resolveChain(spoof, context([known('base', 1, 'trusted-base')], ['127.0.0.1:5000/lab/base']));
  assert.equal(chain.links[0]!.trusted, false, 'the name matches, but the config digest is not the resolved base');
});

test('engine repo digest claim is not trusted', async () => {
  const base = known('base', 1, 'trusted-base');
  const claims: ImageFacts = {
    ...facts('liar', 1),
    references: ['127.0.0.1:5000/lab/base:spoof', `127.0.0.1:5000/lab/base@${base.manifestDigest!}`],
    manifestDigest: base.manifestDigest,
  };
  const cases: Array<[string, TrustedEntry]> = [
    ['resolved base', '127.0.0.1:5000/lab/base'],
    ['digest pin', { repository: '127.0.0.1:5000/lab/base', digests: [base.manifestDigest!] }],
  ];
  for (const [label, entry] of cases) {
    const chain = await resolveChain(claims, context([base], [entry]));
    assert.equal(chain.links[0]!.trusted, false, `${label}: an unverified RepoDigest with another config is a claim`);
  }
});

test('engine repo digest with base config trusted', async () => {
  const base = known('base', 1, 'trusted-base');
  const pulled: ImageFacts = { ...facts('base', 1), references: ['127.0.0.1:5000/lab/base:1'], manifestDigest: base.manifestDigest };
  const chain = await resolveChain(pulled, context([base], [{ repository: '127.0.0.1:5000/lab/base', digests: [base.manifestDigest!] }]));
  assert.equal(chain.links[0]!.trusted, true, 'the registry resolution of the pin has the same config digest');
});

test('user known image is not a trusted base', async () => {
  const chain = await resolveChain(facts('app', 2), context([known('base', 1, 'user')], ['127.0.0.1:5000/lab/base']));
  assert.equal(chain.links[1]!.reference, '127.0.0.1:5000/lab/base:1');
  assert.equal(chain.links[1]!.trusted, false, 'a user-added image was not resolved from the registry for the entry');
});

test('registry image of other repository not trusted', async () => {
  const base = known('base', 1, 'trusted-base');
  const copy: ImageFacts = { ...facts('base', 1), references: ['127.0.0.1:5000/lab/other:1'], digestsVerified: true };
  const chain = await resolveChain(copy, context([base], ['127.0.0.1:5000/lab/other']));
  assert.equal(chain.links[0]!.trusted, false, 'the resolved row belongs to lab/base, not lab/other');
});
