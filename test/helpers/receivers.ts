import { execFileSync } from 'node:child_process';
import { createHmac, generateKeyPairSync, timingSafeEqual } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SMTPServer, type SMTPServerAuthentication, type SMTPServerSession } from 'smtp-server';

/*
 * Local stand-ins for the receivers Bosun notifies: one HTTP server that speaks enough of the
 * ntfy publish API, the Gotify message API and a signed-webhook endpoint, and an SMTP sink with
 * STARTTLS and AUTH. All listen on 127.0.0.1 with a port picked by the kernel.
 */

export type Route = 'ntfy' | 'gotify' | 'webhook';

export interface RecordedRequest {
  route: Route;
  method: string;
  path: string;
  query: Record<string, string>;
  headers: IncomingHttpHeaders;
  body: string;
  /** Fields as the real server would read them; see each route's handler. */
  fields: Record<string, unknown>;
}

/** A response the receiver sends instead of handling the request, for failure tests. */
export interface ScriptedResponse {
  status: number;
  headers?: Record<string, string>;
  body?: string;
}

export interface HttpReceiverOptions {
  gotifyToken: string;
  webhookSecret: string;
  /** When set, ntfy topics need `Authorization: Bearer <token>`. */
  ntfyToken?: string;
  /** When set, ntfy topics need basic auth with these credentials. */
  ntfyUser?: { username: string; password: string };
}

export interface HttpReceiver {
  /** Base URL, `http://127.0.0.1:<port>`. */
  url: string;
  /** Requests that reached a route, scripted failures included, in arrival order. */
  requests: RecordedRequest[];
  /** Queues responses that the route returns, one per request, before it handles requests again. */
  script(route: Route, ...responses: ScriptedResponse[]): void;
  close(): Promise<void>;
}

const NTFY_TOPIC = /^\/([-_A-Za-z0-9]{1,64})$/;

/** Starts the HTTP receiver on 127.0.0.1:0. */
export async function startHttpReceiver(options: HttpReceiverOptions): Promise<HttpReceiver> {
  const requests: RecordedRequest[] = [];
  const scripts = new Map<Route, ScriptedResponse[]>();

  const server = createServer((request, response) => {
    readBody(request)
      .then((body) => {
        const url = new URL(request.url ?? '/', 'http://127.0.0.1');
        const route = routeOf(request.method ?? '', url.pathname);
        if (route === undefined) return sendJson(response, 404, { code: 40401, http: 404, error: 'page not found' });

        const record: RecordedRequest = {
          route,
          method: request.method ?? '',
          path: url.pathname,
          query: Object.fromEntries(url.searchParams),
          headers: request.headers,
          body,
          fields: {},
        };
        requests.push(record);

        const scripted = scripts.get(route)?.shift();
        if (scripted !== undefined) {
          response.writeHead(scripted.status, scripted.headers ?? {});
          return response.end(scripted.body ?? '');
        }
        if (route === 'ntfy') return handleNtfy(record, options, response);
        if (route === 'gotify') return handleGotify(record, options, response);
        return handleWebhook(record, options, response);
      })
      .catch((error: unknown) => {
        response.writeHead(500);
        response.end(String(error));
      });
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    script(route, ...responses) {
      scripts.set(route, [...(scripts.get(route) ?? []), ...responses]);
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

function routeOf(method: string, pathname: string): Route | undefined {
  if (method === 'POST' && pathname === '/message') return 'gotify';
  if (method === 'POST' && pathname.startsWith('/hooks/')) return 'webhook';
  if ((method === 'POST' || method === 'PUT') && NTFY_TOPIC.test(pathname)) return 'ntfy';
  return undefined;
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(JSON.stringify(body));
}

/**
 * Handles an ntfy publish. A protected topic gets 403 without credentials and 401 with wrong
 * ones, with ntfy's error codes 40301 and 40101. Otherwise the message is recorded and returned.
 */
function handleNtfy(record: RecordedRequest, options: HttpReceiverOptions, response: ServerResponse): void {
  const expected = ntfyAuthorization(options);
  const given = record.headers.authorization;
  if (expected !== undefined && given === undefined) return sendJson(response, 403, { code: 40301, http: 403, error: 'forbidden' });
  if (expected !== undefined && given !== expected) return sendJson(response, 401, { code: 40101, http: 401, error: 'unauthorized' });

  const header = (name: string): string | undefined => {
    const value = record.headers[name];
    return typeof value === 'string' ? decodeEncodedWords(value) : undefined;
  };
  record.fields = {
    topic: NTFY_TOPIC.exec(record.path)?.[1],
    title: header('title') ?? header('x-title'),
    priority: header('priority') ?? header('x-priority'),
    tags: (header('tags') ?? header('x-tags'))?.split(',').map((tag) => tag.trim()),
    click: header('click') ?? header('x-click'),
    message: record.body,
  };
  sendJson(response, 200, { id: `m${Date.now().toString(36)}`, time: Math.floor(Date.now() / 1000), event: 'message', ...record.fields });
}

function ntfyAuthorization(options: HttpReceiverOptions): string | undefined {
  if (options.ntfyToken !== undefined) return `Bearer ${options.ntfyToken}`;
  if (options.ntfyUser === undefined) return undefined;
  const { username, password } = options.ntfyUser;
  return `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
}

/**
 * Handles a Gotify message. The application token may come as X-Gotify-Key, `?token=` or a
 * Bearer header. Like the Gotify server, it returns 401 for a missing or wrong token and 400 for
 * an empty message.
 */
function handleGotify(record: RecordedRequest, options: HttpReceiverOptions, response: ServerResponse): void {
  const bearer = record.headers.authorization?.replace(/^Bearer /, '');
  const token = (record.headers['x-gotify-key'] as string | undefined) ?? record.query['token'] ?? bearer;
  if (token !== options.gotifyToken) {
    return sendJson(response, 401, { error: 'Unauthorized', errorCode: 401, errorDescription: 'you need to provide a valid access token or user credentials to access this api' });
  }

  let body: Record<string, unknown>;
  try {
    body = JSON.parse(record.body) as Record<string, unknown>;
  } catch {
    return sendJson(response, 400, { error: 'Bad Request', errorCode: 400, errorDescription: 'invalid JSON' });
  }
  if (typeof body['message'] !== 'string' || body['message'].length === 0) {
    return sendJson(response, 400, { error: 'Bad Request', errorCode: 400, errorDescription: "Field 'message' is required" });
  }
  record.fields = body;
  sendJson(response, 200, { id: 1, appid: 1, date: new Date().toISOString(), ...body });
}

/** Handles a webhook: checks `X-Bosun-Signature` against an HMAC computed here, and returns 401 when it differs. */
function handleWebhook(record: RecordedRequest, options: HttpReceiverOptions, response: ServerResponse): void {
  const expected = `sha256=${createHmac('sha256', options.webhookSecret).update(record.body, 'utf8').digest('hex')}`;
  const given = String(record.headers['x-bosun-signature'] ?? '');
  const valid = given.length === expected.length && timingSafeEqual(Buffer.from(given), Buffer.from(expected));
  record.fields = { signatureValid: valid, payload: valid ? JSON.parse(record.body) : undefined };
  if (!valid) return sendJson(response, 401, { error: 'signature mismatch' });
  sendJson(response, 202, { accepted: true });
}

/** Decodes RFC 2047 encoded-words (B and Q encodings), as ntfy does for its headers. */
export function decodeEncodedWords(value: string): string {
  const word = /=\?([^?]+)\?([BbQq])\?([^?]*)\?=/g;
  return value
    .replace(/\?=\s+=\?/g, '?==?')
    .replace(word, (_match, _charset: string, encoding: string, text: string) => {
      if (encoding.toUpperCase() === 'B') return Buffer.from(text, 'base64').toString('utf8');
      const bytes = text.replace(/_/g, ' ').replace(/=([0-9A-Fa-f]{2})/g, (_hex, code: string) => String.fromCharCode(parseInt(code, 16)));
      return Buffer.from(bytes, 'latin1').toString('utf8');
    });
}

// ---------------------------------------------------------------------------------------------
// SMTP sink

export interface ReceivedMail {
  from: string;
  to: string[];
  /** Whether the session was upgraded with STARTTLS before DATA. */
  secure: boolean;
  user: string | undefined;
  headers: Record<string, string>;
  text: string;
  html: string;
  raw: string;
}

export interface SmtpSinkOptions {
  user: string;
  pass: string;
  /** Disable STARTTLS and allow AUTH in clear text, to test clients that must refuse that. */
  withoutStartTls?: boolean;
}

export interface SmtpSink {
  host: string;
  port: number;
  /** PEM of the sink's self-signed certificate, usable as a trusted CA. */
  cert: string;
  messages: ReceivedMail[];
  /** Makes the next DATA commands fail with these SMTP reply codes, one per message. */
  failNext(...responseCodes: number[]): void;
  close(): Promise<void>;
}

/**
 * Creates a self-signed certificate for 127.0.0.1 and localhost. Node has no X.509 writer, so the
 * key comes from node:crypto and `openssl req -x509` signs the certificate.
 */
export function selfSignedCertificate(): { key: string; cert: string } {
  const dir = mkdtempSync(path.join(tmpdir(), 'bosun-cert-'));
  try {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const key = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    writeFileSync(path.join(dir, 'key.pem'), key, { mode: 0o600 });
    execFileSync(
      'openssl',
      ['req', '-x509', '-key', 'key.pem', '-out', 'cert.pem', '-days', '2', '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost'],
      { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    return { key, cert: readFileSync(path.join(dir, 'cert.pem'), 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Starts an SMTP sink on 127.0.0.1:0 with STARTTLS and AUTH PLAIN/LOGIN. */
export async function startSmtpSink(options: SmtpSinkOptions): Promise<SmtpSink> {
  const { key, cert } = selfSignedCertificate();
  const messages: ReceivedMail[] = [];
  const failures: number[] = [];

  const server = new SMTPServer({
    secure: false,
    key,
    cert,
    authMethods: ['PLAIN', 'LOGIN'],
    disabledCommands: options.withoutStartTls === true ? ['STARTTLS'] : [],
    allowInsecureAuth: options.withoutStartTls === true,
    disableReverseLookup: true,
    logger: false,
    onAuth(auth: SMTPServerAuthentication, _session, callback) {
      if (auth.username === options.user && auth.password === options.pass) return callback(null, { user: auth.username });
      callback(Object.assign(new Error('Authentication credentials invalid'), { responseCode: 535 }));
    },
    onData(stream, session: SMTPServerSession, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const failure = failures.shift();
        if (failure !== undefined) {
          return callback(Object.assign(new Error('Scripted failure, try again later'), { responseCode: failure }));
        }
        messages.push(parseMail(Buffer.concat(chunks).toString('utf8'), session));
        callback();
      });
    },
  });
  server.on('error', () => undefined); // client resets after a refused handshake are expected

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  return {
    host: '127.0.0.1',
    port,
    cert,
    messages,
    failNext: (...codes) => failures.push(...codes),
    close: () => new Promise<void>((resolve) => server.close(resolve)),
  };
}

function parseMail(raw: string, session: SMTPServerSession): ReceivedMail {
  const { headers, body } = splitMessage(raw);
  const parts: Record<string, string> = {};
  const boundary = /boundary="?([^";]+)"?/.exec(headers['content-type'] ?? '')?.[1];
  if (boundary !== undefined) {
    for (const section of body.split(`--${boundary}`).slice(1, -1)) {
      const part = splitMessage(section.replace(/^\r\n/, ''));
      const type = (part.headers['content-type'] ?? '').split(';')[0]?.trim() ?? '';
      parts[type] = decodeTransfer(part.body, part.headers['content-transfer-encoding']);
    }
  } else {
    parts['text/plain'] = decodeTransfer(body, headers['content-transfer-encoding']);
  }

  return {
    from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
    to: session.envelope.rcptTo.map((address) => address.address),
    secure: session.secure,
    user: typeof session.user === 'string' ? session.user : undefined,
    headers,
    text: parts['text/plain'] ?? '',
    html: parts['text/html'] ?? '',
    raw,
  };
}

function splitMessage(raw: string): { headers: Record<string, string>; body: string } {
  const end = raw.indexOf('\r\n\r\n');
  const head = end < 0 ? raw : raw.slice(0, end);
  const body = end < 0 ? '' : raw.slice(end + 4);
  const headers: Record<string, string> = {};
  for (const line of head.replace(/\r\n[ \t]+/g, ' ').split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = decodeEncodedWords(line.slice(colon + 1).trim());
  }
  return { headers, body };
}

function decodeTransfer(body: string, encoding: string | undefined): string {
  const trimmed = body.replace(/\r\n$/, '');
  if (encoding?.toLowerCase() === 'base64') return Buffer.from(trimmed, 'base64').toString('utf8');
  if (encoding?.toLowerCase() === 'quoted-printable') {
    const bytes = trimmed.replace(/=\r\n/g, '').replace(/=([0-9A-Fa-f]{2})/g, (_hex, code: string) => String.fromCharCode(parseInt(code, 16)));
    return Buffer.from(bytes, 'latin1').toString('utf8');
  }
  return trimmed;
}
