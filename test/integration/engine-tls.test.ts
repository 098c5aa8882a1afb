import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { createServer, type Server } from 'node:tls';
import { EngineError, InputError } from '../../src/common/errors.js';
import { EngineClient, parseEndpoint, type EngineTls } from '../../src/engine/index.js';
import { ensureLab, labSkipReason } from '../helpers/lab.js';

const skip = labSkipReason();

let dir: string;
const proxies: Server[] = [];
let port = 0;
/** Connections the proxy accepted with a verified client certificate and passed to the engine. */
let forwarded = 0;

function openssl(args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
}

/** Writes `name`-key.pem and `name`.pem, signed by the CA `issuer` (`issuer`.pem and -key.pem). */
function issue(name: string, issuer: string, extensions: string): void {
  writeFileSync(path.join(dir, `${name}.ext`), `${extensions}\n`);
  openssl(['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', `${name}-key.pem`, '-out', `${name}.csr`, '-subj', `/CN=${name}`]);
  openssl(['x509', '-req', '-in', `${name}.csr`, '-CA', `${issuer}.pem`, '-CAkey', `${issuer}-key.pem`, '-CAcreateserial', '-days', '1', '-out', `${name}.pem`, '-extfile', `${name}.ext`]);
}

function makeCa(name: string): void {
  openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', `${name}-key.pem`, '-out', `${name}.pem`, '-days', '1', '-subj', `/CN=${name}`]);
}

/** Returns the three TLS files for a client: `ca` to check the server, `client` as the client certificate. */
function tlsFiles(ca: string, client: string): EngineTls {
  return { ca: path.join(dir, `${ca}.pem`), cert: path.join(dir, `${client}.pem`), key: path.join(dir, `${client}-key.pem`) };
}

function clientFor(tls: EngineTls | undefined, proxyPort = port): EngineClient {
  return new EngineClient(parseEndpoint(`tcp://127.0.0.1:${proxyPort}`, { name: 'tls-proxy', tls }), { timeoutMs: 10_000 });
}

async function expectFailure(tls: EngineTls | undefined, code?: string, proxyPort = port): Promise<EngineError> {
  const engine = clientFor(tls, proxyPort);
  try {
    await engine.ping();
  } catch (error) {
    assert.ok(error instanceof EngineError, `expected an EngineError, got ${String(error)}`);
    if (code !== undefined) assert.equal(error.code, code, error.message);
    assert.equal(error.endpoint, `tcp://127.0.0.1:${proxyPort}`);
    return error;
  } finally {
    await engine.close();
  }
  assert.fail('ping succeeded');
}

/** Starts a TLS-terminating proxy to the engine's unix socket, serving `serverCert`. Returns its port. */
async function startProxy(dockerSock: string, serverCert: string): Promise<number> {
  // Like a daemon started with --tlsverify: only clients with a certificate from ca.pem get through.
  const server = createServer(
    {
      key: readFileSync(path.join(dir, `${serverCert}-key.pem`)),
      cert: readFileSync(path.join(dir, `${serverCert}.pem`)),
      ca: readFileSync(path.join(dir, 'ca.pem')),
      requestCert: true,
      rejectUnauthorized: true,
    },
    (socket) => {
      forwarded++;
      const upstream = connect(dockerSock);
      socket.pipe(upstream).pipe(socket);
      socket.on('error', () => upstream.destroy());
      upstream.on('error', () => socket.destroy());
    },
  );
  server.on('tlsClientError', () => {
    // Rejected handshakes are the expected outcome of the negative tests.
  });
  proxies.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

before(async () => {
  if (skip) return;
  const lab = ensureLab();
  dir = mkdtempSync(path.join(tmpdir(), 'bosun-engine-tls-'));
  makeCa('ca');
  makeCa('rogue-ca');
  issue('server', 'ca', 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth');
  issue('client', 'ca', 'extendedKeyUsage=clientAuth');
  issue('rogue-client', 'rogue-ca', 'extendedKeyUsage=clientAuth');
  issue('wrong-name', 'ca', 'subjectAltName=DNS:docker.example.net\nextendedKeyUsage=serverAuth');
  port = await startProxy(lab.dockerSock, 'server');
});

after(async () => {
  await Promise.all(proxies.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('tls with client certificates', { skip }, async (t) => {
  const engine = clientFor(tlsFiles('ca', 'client'));
  t.after(() => engine.close());
  const before = forwarded;

  await engine.ping();
  const version = await engine.version();
  assert.equal(version.kind, 'docker');
  assert.ok((await engine.listImages()).some((image) => image.repoTags.includes('lab/app:1')));
  assert.ok(forwarded > before, 'no connection went through the proxy');
});

test('tls rejects an untrusted client certificate', { skip }, async () => {
  const before = forwarded;
  const error = await expectFailure(tlsFiles('ca', 'rogue-client'));
  // Under TLS 1.3 the proxy closes the connection after the handshake, so no TLS code reaches the client.
  assert.ok(['engine.tls_failed', 'engine.connection_lost'].includes(error.code), error.code);
  assert.match(error.hint ?? '', /cert\.pem|ca\.pem/);
  assert.equal(forwarded, before);
});

test('tls without certificates fails', { skip }, async () => {
  const before = forwarded;
  // Plain HTTP to the TLS port: the endpoint is loopback, so the parser allows it.
  const error = await expectFailure(undefined);
  assert.match(error.hint ?? '', /DOCKER_TLS_VERIFY/);
  assert.equal(forwarded, before);
});

test('tls rejects an unknown server CA', { skip }, async () => {
  const error = await expectFailure(tlsFiles('rogue-ca', 'client'), 'engine.tls_failed');
  assert.match(error.hint ?? '', /ca\.pem/);
});

test('tls checks the server name', { skip }, async () => {
  const wrongNamePort = await startProxy(ensureLab().dockerSock, 'wrong-name');
  const before = forwarded;
  const error = await expectFailure(tlsFiles('ca', 'client'), 'engine.tls_failed', wrongNamePort);
  assert.match(error.message, /127\.0\.0\.1/);
  assert.equal(forwarded, before);
});

test('tls with a missing key file', { skip }, () => {
  const files = { ...tlsFiles('ca', 'client'), key: path.join(dir, 'no-such-key.pem') };
  assert.throws(() => clientFor(files), (error: unknown) => error instanceof InputError && /no-such-key\.pem/.test(error.message));
});
