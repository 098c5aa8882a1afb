import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Writable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { before, test } from 'node:test';
import { BosunError } from '../../src/common/errors.js';
import { headDigest, openRegistryImage, RegistryClient, TokenCache, type RegistryOptions } from '../../src/image/registry/index.js';
import { docker, ensureLab, labDir, labSkipReason, type Lab } from '../helpers/lab.js';

const skip = labSkipReason();
let emptyDockerConfig: string;

before(() => {
  const dir = mkdtempSync(path.join(tmpdir(), 'bosun-registry-it-'));
  emptyDockerConfig = path.join(dir, 'config.json');
  writeFileSync(emptyDockerConfig, '{}');
});

/** Options with no credentials from this machine: an empty Docker config and no BOSUN_* variables. */
function isolated(extra: RegistryOptions = {}): RegistryOptions {
  return { dockerConfigPath: emptyDockerConfig, env: {}, tokenCache: new TokenCache(), ...extra };
}

function inspectDiffIds(lab: Lab, image: string): string[] {
  return JSON.parse(docker(lab, ['image', 'inspect', image, '--format', '{{json .RootFS.Layers}}'])) as string[];
}

async function expectCode(promise: Promise<unknown>, code: string): Promise<BosunError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof BosunError, `expected ${code}, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    return error;
  }
  assert.fail(`expected ${code}, but the call succeeded`);
}

test('registry opens lab app', { skip }, async () => {
  const lab = ensureLab();
  const image = await openRegistryImage(`${lab.registry}/lab/app:1`, isolated());
  try {
    assert.equal(image.manifestDigest, lab.appDigest);
    assert.deepEqual(
      image.layers.map((layer) => layer.diffId),
      inspectDiffIds(lab, 'lab/app:1'),
    );
    assert.equal(image.layers[0]!.diffId, lab.baseDiffId);
    assert.deepEqual(image.repoDigests, [`${lab.registry}/lab/app@${lab.appDigest}`]);

    // The smallest layer, decompressed, must hash to its diffID: the stream is the real blob.
    const smallest = [...image.layers].sort((a, b) => (a.size ?? 0) - (b.size ?? 0))[0]!;
    const hash = createHash('sha256');
    const sink = new Writable({
      write: (chunk: Buffer, _encoding, done) => {
        hash.update(chunk);
        done();
      },
    });
    await pipeline(await smallest.open(), createGunzip(), sink);
    assert.equal(`sha256:${hash.digest('hex')}`, smallest.diffId);
  } finally {
    await image.close();
  }
});

test('registry opens lab base', { skip }, async () => {
  const lab = ensureLab();
  const image = await openRegistryImage(`${lab.registry}/lab/debian:bookworm`, isolated());
  await image.close();
  assert.equal(image.manifestDigest, lab.baseDigest);
  assert.deepEqual(image.layers.map((layer) => layer.diffId), [lab.baseDiffId]);
  assert.equal(image.config.os, 'linux');
});

test('registry pull by digest', { skip }, async () => {
  const lab = ensureLab();
  const image = await openRegistryImage(`${lab.registry}/lab/app@${lab.appDigest}`, isolated());
  await image.close();
  assert.equal(image.manifestDigest, lab.appDigest);
  assert.equal(image.reference, `${lab.registry}/lab/app@${lab.appDigest}`);
  assert.equal(await headDigest(`${lab.registry}/lab/app:1`, isolated()), lab.appDigest);
});

test('registry basic auth', { skip }, async () => {
  const lab = ensureLab();
  const image = await openRegistryImage(`${lab.authRegistry}/lab/app:1`, isolated({ username: lab.authUser, password: lab.authPass }));
  await image.close();
  assert.equal(image.manifestDigest, lab.appDigest);
  assert.deepEqual(image.layers.map((layer) => layer.diffId), inspectDiffIds(lab, 'lab/app:1'));
});

test('registry basic auth from docker config', { skip }, async () => {
  // lab-up.sh runs "docker login" for the auth registry with this client config.
  const lab = ensureLab();
  const dockerConfigPath = path.join(labDir, 'etc/docker-client/config.json');
  const image = await openRegistryImage(`${lab.authRegistry}/lab/app:1`, isolated({ dockerConfigPath }));
  await image.close();
  assert.equal(image.manifestDigest, lab.appDigest);
});

test('registry auth without credentials', { skip }, async () => {
  const lab = ensureLab();
  const error = await expectCode(openRegistryImage(`${lab.authRegistry}/lab/app:1`, isolated()), 'registry.unauthorized');
  assert.match(error.message, new RegExp(`registry ${lab.authRegistry.replace(/\./g, '\\.')}`));
  assert.match(error.hint ?? '', /needs credentials/);

  const wrong = await expectCode(openRegistryImage(`${lab.authRegistry}/lab/app:1`, isolated({ username: lab.authUser, password: 'wrong' })), 'registry.unauthorized');
  assert.match(wrong.hint ?? '', /Check the username and password/);
});

test('registry missing tag', { skip }, async () => {
  const lab = ensureLab();
  const error = await expectCode(openRegistryImage(`${lab.registry}/lab/app:does-not-exist`, isolated()), 'registry.not_found');
  assert.match(error.message, /lab\/app:does-not-exist was not found/);
  await expectCode(openRegistryImage(`${lab.registry}/lab/nothing-here:1`, isolated()), 'registry.not_found');
});

test('registry lists lab tags', { skip }, async () => {
  const lab = ensureLab();
  const client = new RegistryClient(lab.registry, isolated());
  try {
    assert.deepEqual(await client.listTags('lab/app'), ['1']);
    assert.ok((await client.listTags('lab/debian')).includes('bookworm'));
  } finally {
    await client.close();
  }
});
