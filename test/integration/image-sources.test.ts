import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { EngineError, InputError } from '../../src/common/errors.js';
import { openTarget, walkLayer, type OpenedImage, type OpenTargetOptions } from '../../src/image/index.js';
import { docker, ensureLab, labSkipReason, type Lab } from '../helpers/lab.js';

const skip = labSkipReason();
const STATUS = 'var/lib/dpkg/status';

/** What `docker image inspect lab/app:1` reports. */
interface Expected {
  configDigest: string;
  diffIds: string[];
  status: string;
}

let lab: Lab;
let work: string;
let expected: Expected;
let engineOptions: OpenTargetOptions;

before(() => {
  if (skip) return;
  lab = ensureLab();
  work = mkdtempSync(path.join(tmpdir(), 'bosun-image-sources-'));
  const inspect = JSON.parse(docker(lab, ['image', 'inspect', 'lab/app:1']))[0] as { Id: string; RootFS: { Layers: string[] } };
  const status = docker(lab, ['run', '--rm', '--network', 'none', '--entrypoint', 'cat', 'lab/app:1', `/${STATUS}`]);
  expected = { configDigest: inspect.Id, diffIds: inspect.RootFS.Layers, status };
  engineOptions = { engine: { dockerHost: `unix://${lab.dockerSock}`, podmanHost: lab.podmanSock && `unix://${lab.podmanSock}` } };
});

after(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

/** Runs skopeo with the lab's containers configuration, against the open loopback registry. */
function skopeo(args: string[]): void {
  execFileSync('skopeo', args, { env: { ...process.env, ...lab.env }, stdio: ['ignore', 'ignore', 'inherit'], timeout: 5 * 60 * 1000 });
}

/** Walks every layer; returns the topmost content of the dpkg status file. */
async function readStatus(image: OpenedImage): Promise<string | undefined> {
  let status: string | undefined;
  for (const layer of image.layers) {
    const result = await walkLayer(layer, {
      wants: (entry) => entry.path === STATUS,
      onFile: (_entry, content) => {
        status = content.toString('utf8');
      },
    });
    assert.equal(result.warnings.length, 0, `warnings in ${layer.diffId}: ${JSON.stringify(result.warnings)}`);
  }
  return status;
}

async function checkImage(target: string, options: OpenTargetOptions = {}, checkConfigDigest = true): Promise<OpenedImage> {
  const image = await openTarget(target, options);
  try {
    if (checkConfigDigest) assert.equal(image.configDigest, expected.configDigest, `config digest of ${target}`);
    assert.deepEqual(image.config.rootfs.diff_ids, expected.diffIds, `config diffIDs of ${target}`);
    assert.deepEqual(
      image.layers.map((layer) => layer.diffId),
      expected.diffIds,
      `layer diffIDs of ${target}`,
    );
    assert.equal(await readStatus(image), expected.status, `${STATUS} in ${target}`);
    return image;
  } finally {
    await image.close();
  }
}

test('docker-archive from docker save', { skip }, async () => {
  const file = path.join(work, 'app-save.tar');
  docker(lab, ['save', 'lab/app:1', '-o', file]);
  const image = await checkImage(`docker-archive:${file}`);
  assert.equal(image.reference, 'docker.io/lab/app:1');
});

test('docker-archive with several images', { skip }, async () => {
  const file = path.join(work, 'two-images.tar');
  docker(lab, ['save', 'lab/app:1', 'lab/debian:bookworm', '-o', file]);
  await assert.rejects(openTarget(`docker-archive:${file}`), (error: unknown) => {
    assert.ok(error instanceof InputError);
    assert.match(error.message, /lab\/app:1/);
    assert.match(error.message, /lab\/debian:bookworm/);
    return true;
  });
  await checkImage(`docker-archive:${file}`, { archiveReference: 'lab/app:1' });
});

test('oci-archive and docker-archive from skopeo', { skip }, async () => {
  const ociFile = path.join(work, 'app-oci.tar');
  const dockerFile = path.join(work, 'app-skopeo.tar');
  const source = `docker://${lab.registry}/lab/app:1`;
  skopeo(['copy', '--src-tls-verify=false', source, `oci-archive:${ociFile}`]);
  skopeo(['copy', '--src-tls-verify=false', source, `docker-archive:${dockerFile}:lab/app:1`]);

  // skopeo rewrites the config for OCI (media types), so only the diffIDs must match there.
  const oci = await checkImage(`oci-archive:${ociFile}`, {}, false);
  assert.ok(oci.manifestDigest?.startsWith('sha256:'));
  assert.ok(oci.layers.every((layer) => layer.digest !== undefined));
  await checkImage(`docker-archive:${dockerFile}`);
});

test('oci layout by ref name', { skip }, async () => {
  const index = JSON.parse(readFileSync(path.join(lab.ociLayout, 'index.json'), 'utf8')) as {
    manifests: Array<{ digest: string; annotations?: Record<string, string> }>;
  };
  const appDescriptor = index.manifests.find((entry) => entry.annotations?.['org.opencontainers.image.ref.name'] === 'app-1');
  const app = await checkImage(`oci:${lab.ociLayout}:app-1`, {}, false);
  assert.equal(app.manifestDigest, appDescriptor?.digest);

  const base = await openTarget(`oci:${lab.ociLayout}:debian-bookworm`);
  await base.close();
  assert.deepEqual(base.config.rootfs.diff_ids, [lab.baseDiffId]);
  assert.match((await readStatus(base)) ?? '', /^Package: dpkg$/m);
});

test('oci layout without name lists both', { skip }, async () => {
  await assert.rejects(openTarget(`oci:${lab.ociLayout}`), (error: unknown) => {
    assert.ok(error instanceof InputError);
    assert.match(error.message, /"debian-bookworm"/);
    assert.match(error.message, /"app-1"/);
    return true;
  });
});

test('docker-daemon export', { skip }, async () => {
  const image = await checkImage('docker-daemon:lab/app:1', engineOptions);
  assert.equal(image.manifestDigest, lab.appDigest);
  assert.ok(image.repoDigests.includes(`${lab.registry}/lab/app@${lab.appDigest}`));
});

test('docker-daemon unknown image is 404', { skip }, async () => {
  await assert.rejects(openTarget('docker-daemon:bosun-test/absent:1', engineOptions), (error: unknown) => {
    assert.ok(error instanceof EngineError);
    assert.equal(error.code, 'engine.image_not_found');
    assert.equal(error.status, 404);
    assert.match(error.message, /bosun-test\/absent:1/);
    return true;
  });
});

test('docker-daemon missing socket', { skip }, async () => {
  const options = { engine: { dockerHost: `unix://${path.join(work, 'no.sock')}` } };
  await assert.rejects(openTarget('docker-daemon:lab/app:1', options), (error: unknown) => {
    assert.ok(error instanceof EngineError);
    assert.equal(error.code, 'engine.unreachable');
    assert.match(error.hint ?? '', /DOCKER_HOST/);
    return true;
  });
});

test('podman export', { skip }, async (t) => {
  if (!lab.podmanSock) {
    t.skip('the lab runs without podman');
    return;
  }
  const image = await checkImage(`podman:${lab.registry}/lab/app:1`, engineOptions);
  assert.equal(image.manifestDigest, lab.appDigest);
});

test('dir of an extracted root filesystem', { skip }, async () => {
  const root = path.join(work, 'rootfs');
  mkdirSync(root);
  execFileSync('tar', ['-C', root, '--exclude=./dev/*', '--exclude=dev/*', '-xf', lab.baseTar], { stdio: 'inherit' });

  const image = await openTarget(`dir:${root}`);
  await image.close();
  assert.equal(image.layers.length, 1);
  assert.match(image.layers[0]!.diffId, /^sha256:[a-f0-9]{64}$/);
  assert.match((await readStatus(image)) ?? '', /^Package: dpkg$/m);

  const again = await openTarget(`dir:${root}`);
  assert.equal(again.layers[0]!.diffId, image.layers[0]!.diffId, 'the synthetic diffID is stable');
});
