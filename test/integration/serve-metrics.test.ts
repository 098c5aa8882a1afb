import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import test from 'node:test';
import { loadConfig } from '../../src/config/index.js';
import { startServer } from '../../src/server/index.js';
import { docker, ensureLab, labSkipReason } from '../helpers/lab.js';
import { waitFor } from '../helpers/serve.js';

const skip = labSkipReason();
const TOKEN = 'bosun_test-metrics-scan-00000000000000000000000';

test('scan duration shows in metrics', { skip }, async (t) => {
  const lab = ensureLab();
  const dir = mkdtempSync(path.join(tmpdir(), 'bosun-serve-metrics-'));
  const name = `bosun-test-metrics-${process.pid}`;
  docker(lab, ['run', '-d', '--network', 'none', '--name', name, 'lab/app:1', 'sleep', '600']);
  t.after(() => {
    docker(lab, ['rm', '-f', name]);
    rmSync(dir, { recursive: true, force: true });
  });

  const file = path.join(dir, 'bosun.yaml');
  writeFileSync(file, `listen: 127.0.0.1:0\ndataDir: data\nengines:\n  - name: lab-docker\n    url: ${lab.dockerSock}\n`);
  const config = loadConfig({ file, env: { BOSUN_TOKEN: TOKEN } });
  const server = await startServer({ config, console: new Writable({ write: (_chunk, _encoding, done) => done() }) });
  t.after(() => server.stop());

  const metrics = () => fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } }).then((response) => response.text());
  const text = await waitFor('a finished scan job', async () => {
    const body = await metrics();
    return /^bosun_scan_duration_seconds_count [1-9]/m.test(body) ? body : undefined;
  });
  assert.match(text, /^bosun_scan_duration_seconds_count 1$/m);
  const sum = Number(/^bosun_scan_duration_seconds_sum (\S+)$/m.exec(text)?.[1]);
  assert.ok(sum > 0, `scan duration sum ${sum}`);
  assert.match(text, /^bosun_scan_duration_seconds_bucket\{le="\+Inf"\} 1$/m);
});
