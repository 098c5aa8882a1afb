import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { appendFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import type { Digest } from '../../src/common/digest.js';
import { openStore, type Store } from '../../src/store/index.js';
import { pinBuildContext } from '../../src/trust/audit/index.js';
import { compilePolicy, loadPolicy } from '../../src/trust/policy/index.js';
import { recordBuild } from '../../src/trust/store.js';
import { addKnownImage, approveSource, openTrustSession, resolveBuildSource, type BuildSource, type Verdict } from '../../src/trust/verdict/index.js';
import { docker, ensureLab, labSkipReason, type Lab } from '../helpers/lab.js';

const skip = labSkipReason();
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const fixtures = path.join(repoRoot, 'test/fixtures/trust');
const DEBIAN = '127.0.0.1:5000/lab/debian:bookworm';

let lab: Lab;
let root: string;
let store: Store;
const tags: string[] = [];
const containers: string[] = [];

before(async () => {
  if (skip) return;
  lab = ensureLab();
  root = mkdtempSync(path.join(tmpdir(), 'bosun-trust-'));
  cpSync(fixtures, path.join(root, 'src'), { recursive: true });
  store = await openStore({ dataDir: path.join(root, 'data') });
  writeFileSync(
    path.join(root, 'policy.yaml'),
    ['# Lab policy.', 'trustedBases:', '  - repository: 127.0.0.1:5000/lab/debian # lab base', '    tags: [bookworm]', 'auditedSources: [src/app, src/edited, src/static, src/mid, src/on-mid]', ''].join('\n'),
  );
});

after(async () => {
  if (skip) return;
  for (const id of containers) docker(lab, ['rm', '-f', id]);
  if (tags.length > 0) docker(lab, ['rmi', '-f', ...tags]);
  await store.close();
  rmSync(root, { recursive: true, force: true });
});

/** Builds a fixture directory with the classic builder and no network; returns the image ID. */
function build(name: string, directory: string, extra: string[] = []): Digest {
  const tag = `bosun-test/trust-${name}:1`;
  tags.push(tag);
  const result = spawnSync('docker', ['build', '--network', 'none', '-q', '-t', tag, ...extra, directory], {
    encoding: 'utf8',
    env: { ...process.env, DOCKER_BUILDKIT: '0', DOCKER_HOST: `unix://${lab.dockerSock}` },
  });
  assert.equal(result.status, 0, `docker build of ${name} failed: ${result.stderr}`);
  return docker(lab, ['image', 'inspect', '--format', '{{.Id}}', tag]).trim() as Digest;
}

/** Approves a source, builds it and records the build as the build module will. */
async function approveBuildRecord(name: string, parent: { reference: string; digest: Digest } | null, extra: string[] = []): Promise<BuildSource> {
  const source = await resolveBuildSource(path.join(root, 'src', name));
  await approveSource(store, source, { by: 'alice' });
  const configDigest = build(name, source.contextDir, extra);
  const pin = await pinBuildContext({ contextDir: source.contextDir, dockerfile: source.dockerfile });
  await recordBuild(store, { source: source.dockerfile, contextDir: source.contextDir, contentDigest: pin.digest, parent, bases: [], configDigest });
  return source;
}

async function judge(target: string, policyFile = path.join(root, 'policy.yaml')): Promise<Verdict> {
  const policy = compilePolicy(await loadPolicy(policyFile));
  const session = await openTrustSession(store, policy, { open: { engine: { dockerHost: `unix://${lab.dockerSock}` } } });
  assert.deepEqual(session.warnings, []);
  return session.evaluateTarget(target);
}

function bosun(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'src/cli/main.ts'), ...args], {
    encoding: 'utf8',
    env: { ...process.env, BOSUN_DATA_DIR: path.join(root, 'data'), DOCKER_HOST: `unix://${lab.dockerSock}` },
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

test('audited build on trusted base is trusted', { skip }, async () => {
  await approveBuildRecord('app', { reference: DEBIAN, digest: lab.baseDigest as Digest });
  const verdict = await judge('docker-daemon:bosun-test/trust-app:1');
  assert.equal(verdict.verdict, 'trusted', verdict.reasons.join('\n'));
  assert.deepEqual(verdict.chain.links.map((link) => link.evidence), ['target', 'build-record']);
  assert.equal(verdict.chain.links[0]!.source, path.join(root, 'src/app/Dockerfile'));
  assert.equal(verdict.chain.links[1]!.digest, lab.baseDigest);
  assert.equal(verdict.chain.links[1]!.trusted, true);

  const cli = bosun(['trust', '--policy', path.join(root, 'policy.yaml'), 'docker-daemon:bosun-test/trust-app:1']);
  assert.equal(cli.status, 0, cli.stderr);
  assert.match(cli.stdout, /^docker-daemon:bosun-test\/trust-app:1: trusted$/m);
});

test('edited Dockerfile is unaudited with diff', { skip }, async () => {
  cpSync(path.join(root, 'src/app'), path.join(root, 'src/edited'), { recursive: true });
  await approveBuildRecord('edited', { reference: DEBIAN, digest: lab.baseDigest as Digest }, ['--label', 'case=edited']);
  appendFileSync(path.join(root, 'src/edited/Dockerfile'), 'RUN rm -rf /srv\n');

  const verdict = await judge('docker-daemon:bosun-test/trust-edited:1');
  assert.equal(verdict.verdict, 'unaudited');
  assert.ok(verdict.reasons.some((reason) => /changed since alice approved it/.test(reason)), verdict.reasons.join('\n'));
  assert.match(verdict.sources[0]!.diff!.dockerfileDiff!, /^\+RUN rm -rf \/srv$/m);

  const cli = bosun(['trust', '--policy', path.join(root, 'policy.yaml'), '--format', 'json', 'docker-daemon:bosun-test/trust-edited:1']);
  assert.equal(cli.status, 1, cli.stderr);
  const json = JSON.parse(cli.stdout) as Verdict;
  assert.equal(json.verdict, 'unaudited');
  assert.match(json.sources[0]!.diff!.dockerfileDiff!, /\+RUN rm -rf \/srv/);

  const audit = bosun(['audit', path.join(root, 'src/edited'), '--format', 'json']);
  assert.equal(audit.status, 0, audit.stderr);
  const report = JSON.parse(audit.stdout) as { changedSinceApproval: boolean; approval: { by: string }; diff: { changed: string[] } };
  assert.equal(report.changedSinceApproval, true);
  assert.equal(report.approval.by, 'alice');
  assert.deepEqual(report.diff.changed, ['Dockerfile']);
});

test('base off the list is untrusted by layer prefix', { skip }, async () => {
  build('stray', path.join(root, 'src/app'), ['--label', 'case=stray']);
  const policyFile = path.join(root, 'policy-elsewhere.yaml');
  writeFileSync(policyFile, 'trustedBases:\n  - repository: 127.0.0.1:5000/elsewhere/*\n');
  await addKnownImage(store, 'docker-daemon:lab/debian:bookworm', { engine: { dockerHost: `unix://${lab.dockerSock}` } });

  const verdict = await judge('docker-daemon:bosun-test/trust-stray:1', policyFile);
  assert.equal(verdict.verdict, 'untrusted');
  assert.equal(verdict.chain.links[1]!.evidence, 'layer-prefix');
  assert.ok(verdict.chain.links[1]!.references.includes(DEBIAN), JSON.stringify(verdict.chain.links[1]));
  assert.equal(verdict.chain.end, 'unknown');
  assert.ok(verdict.reasons.some((reason) => reason.includes('is not a trusted base')), verdict.reasons.join('\n'));
});

test('audited scratch image is trusted', { skip }, async () => {
  await approveBuildRecord('static', null);
  const verdict = await judge('docker-daemon:bosun-test/trust-static:1');
  assert.equal(verdict.verdict, 'trusted', verdict.reasons.join('\n'));
  assert.equal(verdict.chain.end, 'scratch');
  assert.equal(verdict.chain.links.length, 1);
});

test('blocked image is blocked', { skip }, async () => {
  const policyFile = path.join(root, 'policy-blocked.yaml');
  writeFileSync(policyFile, `${readFileSync(path.join(root, 'policy.yaml'), 'utf8')}blocked:\n  - image: bosun-test/trust-app\n    reason: retired\n`);
  const verdict = await judge('docker-daemon:bosun-test/trust-app:1', policyFile);
  assert.equal(verdict.verdict, 'blocked');
  assert.match(verdict.reasons[0]!, /retired/);
});

test('base annotations are evidence', { skip }, async () => {
  const labels = ['--label', `org.opencontainers.image.base.name=${DEBIAN}`, '--label', `org.opencontainers.image.base.digest=${lab.baseDigest}`];
  build('annotated', path.join(root, 'src/app'), labels);
  const verdict = await judge('docker-daemon:bosun-test/trust-annotated:1');
  assert.equal(verdict.chain.links[1]!.evidence, 'annotation');
  assert.equal(verdict.chain.links[1]!.trusted, true);
  assert.equal(verdict.verdict, 'unaudited', 'no build record ties the image to a source');

  const wrong = ['--label', `org.opencontainers.image.base.name=${DEBIAN}`, '--label', `org.opencontainers.image.base.digest=${lab.appDigest}`];
  build('misannotated', path.join(root, 'src/app'), wrong);
  const policy = compilePolicy(await loadPolicy(path.join(root, 'policy.yaml')));
  const session = await openTrustSession(store, policy, { open: { engine: { dockerHost: `unix://${lab.dockerSock}` } } });
  const misannotated = await session.evaluateTarget('docker-daemon:bosun-test/trust-misannotated:1');
  assert.equal(misannotated.chain.links[1]!.evidence, 'layer-prefix');
  assert.ok(misannotated.warnings.some((warning) => warning.code.startsWith('trust.annotation_')), JSON.stringify(misannotated.warnings));
});

test('two-level chain picks longest prefix', { skip }, async () => {
  build('mid', path.join(root, 'src/mid'));
  await addKnownImage(store, 'docker-daemon:bosun-test/trust-mid:1', { engine: { dockerHost: `unix://${lab.dockerSock}` } });
  build('on-mid', path.join(root, 'src/on-mid'));

  const verdict = await judge('docker-daemon:bosun-test/trust-on-mid:1');
  const links = verdict.chain.links;
  assert.deepEqual(links.map((link) => link.evidence), ['target', 'layer-prefix', 'layer-prefix']);
  assert.ok(links[1]!.references.includes('docker.io/bosun-test/trust-mid:1'), JSON.stringify(links[1]));
  assert.equal(links[1]!.layers, 2);
  assert.equal(links[2]!.layers, 1);
  assert.equal(links[2]!.trusted, true);
  assert.equal(verdict.verdict, 'untrusted', 'mid has no build record and is not a trusted base');
});

test('engine mode judges every container', { skip }, async () => {
  const id = docker(lab, ['create', '--network', 'none', 'bosun-test/trust-app:1']).trim();
  containers.push(id);
  const cli = bosun(['trust', '--policy', path.join(root, 'policy.yaml'), '--engine', `unix://${lab.dockerSock}`, '--format', 'json']);
  const entries = JSON.parse(cli.stdout) as Array<{ container: { id: string; image: string }; verdict: Verdict }>;
  const entry = entries.find((candidate) => candidate.container.id === id);
  assert.ok(entry, cli.stdout);
  assert.equal(entry.verdict.verdict, 'trusted', entry.verdict.reasons.join('\n'));
  assert.equal(entry.container.image, 'bosun-test/trust-app:1');
  assert.equal(cli.status, entries.every((candidate) => candidate.verdict.verdict === 'trusted') ? 0 : 1);
});

test('policy errors name line and key', { skip }, () => {
  const bad = path.join(root, 'policy-bad.yaml');
  writeFileSync(bad, 'trustedBases:\n  - repository: 127.0.0.1:5000/lab/debian\n    digests: [sha256:nothex]\n');
  const cli = bosun(['trust', '--policy', bad, '--offline', 'docker-daemon:bosun-test/trust-app:1']);
  assert.equal(cli.status, 2);
  assert.match(cli.stderr, /policy-bad\.yaml:3:15: trustedBases\[0\]\.digests\[0\]: expected a digest/);
});

test('base add and remove keep comments', { skip }, () => {
  const file = path.join(root, 'policy-edit.yaml');
  writeFileSync(file, '# Edited by hand.\ntrustedBases:\n  # the lab base\n  - repository: 127.0.0.1:5000/lab/debian # pinned later\n');
  const add = bosun(['trust', 'base', 'add', '127.0.0.1:5000/lab/tools', '--note', 'build tools', '--policy', file]);
  assert.equal(add.status, 0, add.stderr);
  const remove = bosun(['trust', 'base', 'remove', '127.0.0.1:5000/lab/debian', '--policy', file]);
  assert.equal(remove.status, 0, remove.stderr);
  const text = readFileSync(file, 'utf8');
  assert.ok(text.startsWith('# Edited by hand.\n'), text);
  assert.match(text, /- repository: 127\.0\.0\.1:5000\/lab\/tools\n\s+note: build tools/);
  assert.doesNotMatch(text, /lab\/debian/);
  const list = bosun(['trust', 'base', 'list', '--policy', file]);
  assert.match(list.stdout, /^127\.0\.0\.1:5000\/lab\/tools {2}\(any digest; build tools\)$/m);
});

test('local tag of trusted base is untrusted', { skip }, async () => {
  const liar = path.join(root, 'liar');
  mkdirSync(liar);
  writeFileSync(path.join(liar, 'Dockerfile'), 'FROM scratch\nCOPY payload /payload\nCMD ["/payload"]\n');
  writeFileSync(path.join(liar, 'payload'), 'not debian\n');
  build('liar', liar);
  const spoof = '127.0.0.1:5000/lab/debian:bosun-test-spoof';
  docker(lab, ['tag', 'bosun-test/trust-liar:1', spoof]);
  tags.push(spoof);

  const verdict = await judge(`docker-daemon:${spoof}`);
  assert.notEqual(verdict.verdict, 'trusted', verdict.reasons.join('\n'));
  assert.equal(verdict.chain.links[0]!.trusted, false);

  const cli = bosun(['trust', '--policy', path.join(root, 'policy.yaml'), `docker-daemon:${spoof}`]);
  assert.equal(cli.status, 1, cli.stdout);
  assert.doesNotMatch(cli.stdout, /matches the trusted base/);

  const id = docker(lab, ['create', '--network', 'none', spoof]).trim();
  containers.push(id);
  const engine = bosun(['trust', '--policy', path.join(root, 'policy.yaml'), '--engine', `unix://${lab.dockerSock}`, '--format', 'json']);
  const entries = JSON.parse(engine.stdout) as Array<{ container: { id: string }; verdict: Verdict }>;
  const entry = entries.find((candidate) => candidate.container.id === id);
  assert.ok(entry, engine.stdout);
  assert.notEqual(entry.verdict.verdict, 'trusted', entry.verdict.reasons.join('\n'));
});

test('pulled trusted base itself is trusted', { skip }, async () => {
  const verdict = await judge(`docker-daemon:${DEBIAN}`);
  assert.equal(verdict.verdict, 'trusted', verdict.reasons.join('\n'));
  assert.match(verdict.reasons[0]!, /matches the trusted base 127\.0\.0\.1:5000\/lab\/debian/);
});
