import { chmod, lstat, mkdir, unlink } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { connect } from 'node:net';
import path from 'node:path';
import { describeError, InputError } from '../../common/errors.js';
import { logger, type Logger } from '../../common/log.js';
import type { Authorizer } from './decide.js';
import { ACTIVATE_PATH, ACTIVATE_RESPONSE, allow, AUTHZ_REQUEST_PATH, AUTHZ_RESPONSE_PATH, PLUGIN_CONTENT_TYPE } from './protocol.js';

/** Directory dockerd looks for plugin sockets in, as `<dir>/<name>.sock`. */
export const DEFAULT_PLUGIN_DIR = '/run/docker/plugins';
export const DEFAULT_PLUGIN_NAME = 'bosun-authz';

/**
 * Largest plugin request read, in bytes. The daemon forwards request bodies of at most 1 MiB,
 * base64-encoded, plus headers; anything larger is not from the daemon.
 */
export const MAX_PLUGIN_REQUEST_BYTES = 2 * 1024 * 1024;

const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

export interface PluginServerOptions {
  authorizer: Authorizer;
  /** Plugin name; the socket is `<pluginDir>/<name>.sock`. */
  name?: string;
  pluginDir?: string;
  log?: Logger;
}

/** A running plugin. */
export interface PluginServer {
  socketPath: string;
  /** Stops accepting connections, waits for open requests, and removes the socket. */
  close(): Promise<void>;
}

/**
 * Starts the authorization plugin on a unix socket. A stale socket left by a killed plugin is
 * replaced; a socket another process still listens on is an error.
 *
 * @throws InputError for an invalid name, a path in use, or a directory that cannot be created.
 */
export async function startPluginServer(options: PluginServerOptions): Promise<PluginServer> {
  const name = options.name ?? DEFAULT_PLUGIN_NAME;
  if (!NAME_PATTERN.test(name)) throw new InputError(`invalid plugin name "${name.slice(0, 40)}"`, { hint: 'use letters, digits, ".", "_" and "-"' });
  const socketPath = path.join(options.pluginDir ?? DEFAULT_PLUGIN_DIR, `${name}.sock`);
  const log = options.log ?? logger('enforce.authz');

  await mkdir(path.dirname(socketPath), { recursive: true, mode: 0o755 });
  await removeStaleSocket(socketPath);

  const server = createServer((request, response) => {
    handle(options.authorizer, request, response, log).catch((error: unknown) => {
      log.error({ err: describeError(error), path: request.url }, 'plugin request failed');
      if (!response.headersSent) send(response, 500, { Err: 'internal error in the Bosun plugin' });
    });
  });
  server.requestTimeout = 30_000;
  server.headersTimeout = 10_000;
  await listen(server, socketPath);
  // Only dockerd, which runs as root, needs to reach the plugin.
  await chmod(socketPath, 0o600);
  log.info({ socket: socketPath, name }, 'authorization plugin listening');

  return {
    socketPath,
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await unlink(socketPath).catch(() => undefined);
      log.info({ socket: socketPath }, 'authorization plugin stopped');
    },
  };
}

async function handle(authorizer: Authorizer, request: IncomingMessage, response: ServerResponse, log: Logger): Promise<void> {
  if (request.method !== 'POST') return send(response, 405, { Err: 'the plugin API takes POST only' });
  const body = await readBody(request);

  switch (request.url) {
    case ACTIVATE_PATH:
      log.info({}, 'activated by the daemon');
      return send(response, 200, ACTIVATE_RESPONSE);
    case AUTHZ_REQUEST_PATH:
      return send(response, 200, await authorizer.authorizeRequest(body === undefined ? undefined : parseJson(body)));
    case AUTHZ_RESPONSE_PATH:
      // Responses are never judged: the decision was made on the request.
      return send(response, 200, allow());
    default:
      return send(response, 404, { Err: `unknown plugin method ${String(request.url).slice(0, 80)}` });
  }
}

/** Reads the body; returns undefined when it exceeds MAX_PLUGIN_REQUEST_BYTES, and drains the rest unread. */
async function readBody(request: IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let total = 0;
  let tooLarge = false;
  for await (const chunk of request) {
    total += (chunk as Buffer).length;
    if (total > MAX_PLUGIN_REQUEST_BYTES) tooLarge = true;
    if (!tooLarge) chunks.push(chunk as Buffer);
  }
  return tooLarge ? undefined : Buffer.concat(chunks).toString('utf8');
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function send(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'Content-Type': PLUGIN_CONTENT_TYPE, 'Content-Length': Buffer.byteLength(text) });
  response.end(text);
}

async function removeStaleSocket(socketPath: string): Promise<void> {
  const info = await lstat(socketPath).catch(() => undefined);
  if (info === undefined) return;
  if (!info.isSocket()) throw new InputError(`${socketPath} exists and is not a socket`, { hint: 'remove it, or choose another --name or --plugin-dir' });
  const listening = await new Promise<boolean>((resolve) => {
    const probe = connect(socketPath);
    probe.once('connect', () => {
      probe.destroy();
      resolve(true);
    });
    probe.once('error', () => resolve(false));
  });
  if (listening) throw new InputError(`another process is listening on ${socketPath}`, { hint: 'stop the other plugin, or choose another --name' });
  await unlink(socketPath);
}

function listen(server: Server, socketPath: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', (error) => reject(new InputError(`cannot listen on ${socketPath}: ${describeError(error)}`, { hint: 'check that the directory is writable', cause: error })));
    server.listen(socketPath, () => resolve());
  });
}
