import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { ComposeCheckResult } from '../../src/enforce/index.js';
import { repoRoot, runCli } from '../helpers/cli.js';
import { docker, ensureLab, labSkipReason, type Lab } from '../helpers/lab.js';

// `bosun check` on a compose project whose images are on the lab engine and whose build
// sources are approved (or changed since) in a fresh data directory. --offline keeps every
// lookup on the engine and the store, so the policy pins the image ID of lab/debian: offline,
// only a pin confirms a trusted base.

const skip = labSkipReason();
/** A local tag on lab/app:1 under a name the policy trusts without a pin. */
const SPOOFED_BASE = 'bosun-test/check-base:1';

test('check rejects missing policy file', async () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'bosun-check-'));
  try {
    const missing = path.join(root, 'no-such-policy.yaml');
    const compose = path.join(repoRoot, 'test/fixtures/compose/check/trusted.yaml');
    const result = await runCli(['--data-dir', path.join(root, 'data'), 'check', '--policy', missing, '--engine', 'unix:///nonexistent.sock', '--offline', compose]);
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, /policy file .*no-such-policy\.yaml does not exist/);
    assert.equal(result.stdout, '');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

describe('bosun check on the lab', { skip }, () => {
  let lab: Lab;
  let root: string;
  let project: string;
  let common: string[];
  let debianId: string;

  const writePolicy = (mode: 'enforce' | 'warn'): void => {
    writeFileSync(path.join(root, 'policy.yaml'), [
      'trustedBases:',
      '  - repository: lab/debian',
      `    digests: ['${debianId}']`,
      '  - repository: bosun-test/check-base',
      'auditedSources:',
      '  - project/approved',
      '  - project/changed',
      '  - project/spoofed',
      `mode: ${mode}`,
      '',
    ].join('\n'));
  };

  before(async () => {
    lab = ensureLab();
    debianId = docker(lab, ['image', 'inspect', '--format', '{{.Id}}', 'lab/debian:bookworm']).trim();
    docker(lab, ['tag', 'lab/app:1', SPOOFED_BASE]);
    root = mkdtempSync(path.join(os.tmpdir(), 'bosun-check-'));
    project = path.join(root, 'project');
    cpSync(path.join(repoRoot, 'test/fixtures/compose/check'), project, { recursive: true });
    mkdirSync(path.join(project, 'spoofed'));
    writeFileSync(path.join(project, 'spoofed/Dockerfile'), `FROM ${SPOOFED_BASE}\nUSER 1000\n`);
    writeFileSync(path.join(project, 'spoofed.yaml'), 'services:\n  spoofed:\n    build: ./spoofed\n');
    writePolicy('enforce');
    common = ['--data-dir', path.join(root, 'data')];
    for (const source of ['approved', 'changed', 'spoofed']) {
      const approved = await runCli([...common, 'audit', 'approve', path.join(project, source), '--by', 'tester']);
      assert.equal(approved.code, 0, approved.stderr);
    }
    writeFileSync(path.join(project, 'changed/greeting.txt'), 'changed after approval\n');
  });

  after(() => {
    if (root) rmSync(root, { recursive: true, force: true });
    if (lab) docker(lab, ['rmi', SPOOFED_BASE]);
  });

  const check = (args: string[]) =>
    runCli([...common, 'check', '--policy', path.join(root, 'policy.yaml'), '--engine', `unix://${lab.dockerSock}`, '--offline', ...args]);

  test('judges every active service', async () => {
    const result = await check([path.join(project, 'compose.yaml'), '--format', 'json']);
    assert.equal(result.code, 1, result.stderr);
    const report = JSON.parse(result.stdout) as ComposeCheckResult;
    const verdicts = Object.fromEntries(report.services.map((service) => [service.service, service.verdict]));
    assert.deepEqual(verdicts, { base: 'trusted', app: 'untrusted', approved: 'trusted', changed: 'unaudited', inline: 'unaudited' });
    assert.deepEqual(report.inactive, ['tools']);
    assert.equal(report.allowed, false);

    const byName = new Map(report.services.map((service) => [service.service, service]));
    assert.equal(byName.get('approved')?.kind, 'build');
    assert.equal(byName.get('approved')?.subject, path.join(project, 'approved/Dockerfile'));
    assert.match(byName.get('changed')!.reasons.join('\n'), /changed since tester approved it .*greeting\.txt/);
    assert.match(byName.get('inline')!.reasons[0]!, /dockerfile_inline/);
    assert.match(byName.get('app')!.reasons.join('\n'), /unknown/);
    assert.ok(byName.get('approved')!.reasons.some((reason) => /lab\/debian:bookworm .* is a trusted base/.test(reason)));
  });

  test('table output and profiles', async () => {
    const result = await check(['-f', path.join(project, 'compose.yaml'), '--profile', 'tools']);
    assert.equal(result.code, 1, result.stderr);
    const lines = result.stdout.split('\n');
    assert.match(lines[0]!, /^SERVICE +IMAGE \/ BUILD +VERDICT +REASON$/);
    assert.ok(lines.some((line) => /^tools +lab\/app:1 +untrusted /.test(line)), result.stdout);
    assert.ok(lines.some((line) => /^approved +build .*approved\/Dockerfile +trusted /.test(line)), result.stdout);
    assert.match(result.stdout, /4 service\(s\) of project may not start/);
  });

  test('exit 0 when every service may start', async () => {
    const result = await check([path.join(project, 'trusted.yaml')]);
    assert.equal(result.code, 0, `${result.stdout}\n${result.stderr}`);
    assert.match(result.stdout, /every active service of project may start/);
  });

  test('base trusted by name only is untrusted', async () => {
    const result = await check([path.join(project, 'spoofed.yaml'), '--format', 'json']);
    assert.equal(result.code, 1, `${result.stdout}\n${result.stderr}`);
    const report = JSON.parse(result.stdout) as ComposeCheckResult;
    const spoofed = report.services.find((service) => service.service === 'spoofed');
    assert.equal(spoofed?.verdict, 'untrusted', spoofed?.reasons.join('\n'));
    assert.equal(spoofed?.allowed, false);
    assert.ok(spoofed!.reasons.some((reason) => reason.includes('is unchanged since tester approved it')), spoofed!.reasons.join('\n'));
    assert.ok(spoofed!.reasons.some((reason) => reason.startsWith(`docker.io/${SPOOFED_BASE} (FROM on line 1) is untrusted: `)), spoofed!.reasons.join('\n'));
    assert.ok(!spoofed!.reasons.some((reason) => reason.includes('is a trusted base')), spoofed!.reasons.join('\n'));
  });

  test('warn mode allows and reports', async () => {
    writePolicy('warn');
    try {
      const result = await check([path.join(project, 'compose.yaml'), '--format', 'json']);
      assert.equal(result.code, 0, result.stderr);
      const report = JSON.parse(result.stdout) as ComposeCheckResult;
      const app = report.services.find((service) => service.service === 'app');
      assert.equal(app?.verdict, 'untrusted');
      assert.equal(app?.allowed, true);
    } finally {
      writePolicy('enforce');
    }
  });

  test('bad compose file exits 2 with its line', async () => {
    const result = await check([path.join(repoRoot, 'test/fixtures/compose/bad/no-image.yaml')]);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /bad\/no-image\.yaml:2: service "app": has neither an image nor a build section/);
    assert.match(result.stderr, /hint: add image: or build: to the service/);
  });
});
