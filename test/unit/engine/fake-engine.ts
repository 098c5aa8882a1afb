import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { EngineClient, parseEndpoint, type EngineClientOptions } from '../../../src/engine/index.js';

export type Handler = (request: IncomingMessage, response: ServerResponse, body: string) => void;

/** A scripted engine on a unix socket in a temporary folder, recording the requests it gets. */
export interface FakeEngine {
  socketPath: string;
  /** `METHOD /path?query` of every request, in order. */
  requests: string[];
  /** Bodies of the requests, in the same order. */
  bodies: string[];
  client(options?: EngineClientOptions): EngineClient;
  close(): Promise<void>;
}

/** Builds a `GET /version` response from an engine serving API `apiVersion` down to `minApiVersion`. */
export function versionBody(apiVersion = '1.41', minApiVersion = '1.12'): string {
  return JSON.stringify({ Version: '20.10.24', ApiVersion: apiVersion, MinAPIVersion: minApiVersion, Os: 'linux', Arch: 'amd64' });
}

/** Starts a fake engine. It responds to `/version` with API 1.41 unless `handler` ends the response itself. */
export async function startFakeEngine(handler: Handler): Promise<FakeEngine> {
  const dir = mkdtempSync(path.join(tmpdir(), 'bosun-fake-engine-'));
  const socketPath = path.join(dir, 'engine.sock');
  const requests: string[] = [];
  const bodies: string[] = [];
  const clients: EngineClient[] = [];

  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      requests.push(`${request.method} ${request.url}`);
      bodies.push(body);
      handler(request, response, body);
      if (!response.headersSent && !response.writableEnded && request.url === '/version') {
        json(response, 200, versionBody());
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));

  return {
    socketPath,
    requests,
    bodies,
    client(options) {
      const client = new EngineClient(parseEndpoint(`unix://${socketPath}`, { name: 'fake' }), options);
      clients.push(client);
      return client;
    },
    async close() {
      await Promise.all(clients.map((client) => client.close()));
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Sends a JSON body with a status. */
export function json(response: ServerResponse, status: number, body: unknown): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(text);
}
