import { homedir } from 'node:os';
import { isIP } from 'node:net';
import path from 'node:path';
import { truncate } from '../common/digest.js';
import { InputError } from '../common/errors.js';

/** Engine type the caller declared for an endpoint. `EngineClient.version()` reports the actual one. */
export type EngineKind = 'docker' | 'podman' | 'unknown';

/** Paths of the PEM files for a TLS endpoint, as in DOCKER_CERT_PATH's ca.pem, cert.pem and key.pem. */
export interface EngineTls {
  /** CA certificate that signed the daemon's certificate. */
  ca: string;
  /** Client certificate the daemon checks. */
  cert: string;
  /** Private key of the client certificate. */
  key: string;
}

/** One engine to talk to. */
export interface EngineEndpoint {
  /** Name for logs and messages, for example `docker` or `build-host`. */
  name: string;
  /** Normalised address: `unix:///path/to.sock` or `tcp://host:port`. */
  url: string;
  kind: EngineKind;
  /** Present for `tcp://` endpoints that use TLS with client certificates. */
  tls?: EngineTls;
}

export interface ParseEndpointOptions {
  name?: string;
  kind?: EngineKind;
  tls?: EngineTls;
}

export const DEFAULT_DOCKER_SOCKET = '/var/run/docker.sock';
/** Rootful Podman's API socket (`podman system service`, or podman.socket under systemd). */
export const DEFAULT_PODMAN_SOCKET = '/run/podman/podman.sock';

/** Port Docker uses for TLS. `tcp://host` without a port gets it when TLS is on, and 2375 otherwise. */
const TLS_PORT = 2376;
const PLAIN_PORT = 2375;

/**
 * Parses an engine address: `unix:///path.sock`, a bare absolute socket path, or `tcp://host:port`.
 *
 * A `tcp://` endpoint without `tls` is accepted only for loopback hosts. The Docker API gives
 * root on the daemon's host to anyone who can reach it. A plain TCP port on a network lets any
 * host on that network take over the machine, and lets anyone in between alter what Bosun reads.
 *
 * @throws InputError for any other scheme, a malformed address, or plain TCP to a non-loopback host.
 */
export function parseEndpoint(address: string, options: ParseEndpointOptions = {}): EngineEndpoint {
  const value = address.trim();
  const kind = options.kind ?? 'unknown';
  if (value.startsWith('/')) return socketEndpoint(value, kind, options.name);
  if (value.startsWith('unix://')) return socketEndpoint(value.slice('unix://'.length), kind, options.name);
  if (value.startsWith('tcp://')) return tcpEndpoint(value, kind, options);

  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(value)?.[1];
  const hint =
    scheme === 'ssh'
      ? 'forward the remote socket with `ssh -nNT -L /tmp/remote.sock:/var/run/docker.sock HOST` and use unix:///tmp/remote.sock'
      : 'write unix:///path/to/docker.sock or tcp://HOST:PORT';
  throw new InputError(`unsupported engine address "${truncate(value)}"`, { hint });
}

/**
 * Returns the endpoint the Docker CLI would use: `DOCKER_HOST`, with TLS files from
 * `DOCKER_CERT_PATH` (default `~/.docker`) when `DOCKER_TLS_VERIFY` is set, else the default socket.
 * For Podman: `BOSUN_PODMAN_HOST`, then `CONTAINER_HOST`, then the rootful Podman socket.
 */
export function defaultEndpoint(kind: 'docker' | 'podman', env: NodeJS.ProcessEnv = process.env): EngineEndpoint {
  if (kind === 'podman') {
    const host = nonEmpty(env['BOSUN_PODMAN_HOST']) ?? nonEmpty(env['CONTAINER_HOST']) ?? DEFAULT_PODMAN_SOCKET;
    return parseEndpoint(host, { name: 'podman', kind });
  }

  const host = nonEmpty(env['DOCKER_HOST']) ?? DEFAULT_DOCKER_SOCKET;
  // Docker treats any non-empty DOCKER_TLS_VERIFY as on, even "0".
  const tls = nonEmpty(env['DOCKER_TLS_VERIFY']) === undefined ? undefined : tlsFromCertPath(nonEmpty(env['DOCKER_CERT_PATH']) ?? path.join(homedir(), '.docker'));
  return parseEndpoint(host, { name: 'docker', kind, tls });
}

/** Returns the TLS file paths in a DOCKER_CERT_PATH-style folder. The files are read when a client is created. */
export function tlsFromCertPath(directory: string): EngineTls {
  return {
    ca: path.join(directory, 'ca.pem'),
    cert: path.join(directory, 'cert.pem'),
    key: path.join(directory, 'key.pem'),
  };
}

/** Reports whether `host` (a URL host name, IPv6 without brackets) is a loopback address or `localhost`. */
export function isLoopbackHost(host: string): boolean {
  // NOTE: `localhost` is trusted to resolve to a loopback address, although a hosts file could map it elsewhere.
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  if (isIP(host) === 6) return host === '::1' || /^::ffff:127\./i.test(host);
  return false;
}

function socketEndpoint(socketPath: string, kind: EngineKind, name: string | undefined): EngineEndpoint {
  if (!path.isAbsolute(socketPath) || socketPath.includes('\0')) {
    throw new InputError(`invalid engine socket path "${truncate(socketPath)}": expected an absolute path`, {
      hint: 'write unix:///var/run/docker.sock (three slashes: the scheme, then the absolute path)',
    });
  }
  const normalized = path.normalize(socketPath);
  return { name: name ?? defaultName(kind, `unix://${normalized}`), url: `unix://${normalized}`, kind };
}

function tcpEndpoint(value: string, kind: EngineKind, options: ParseEndpointOptions): EngineEndpoint {
  let url: URL;
  try {
    url = new URL(value.replace(/^tcp:/, 'http:'));
  } catch (error) {
    throw new InputError(`invalid engine address "${truncate(value)}"`, { hint: 'write tcp://HOST:PORT', cause: error });
  }
  if (url.username !== '' || url.password !== '' || (url.pathname !== '/' && url.pathname !== '') || url.search !== '' || url.hash !== '') {
    throw new InputError(`invalid engine address "${truncate(value)}": expected only a host and a port`, { hint: 'write tcp://HOST:PORT' });
  }

  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (options.tls === undefined && !isLoopbackHost(host)) {
    throw new InputError(`plain tcp:// engine address "${truncate(value)}" is not a loopback address`, {
      hint: 'the Docker API gives root on the engine host to anyone who can reach it: use TLS client certificates (DOCKER_TLS_VERIFY=1, DOCKER_CERT_PATH), an SSH-forwarded unix socket, or 127.0.0.1',
    });
  }

  const defaultPort = options.tls ? TLS_PORT : PLAIN_PORT;
  const port = url.port === '' ? defaultPort : Number(url.port);
  const hostPart = isIP(host) === 6 ? `[${host}]` : host;
  const normalized = `tcp://${hostPart}:${port}`;
  const endpoint: EngineEndpoint = { name: options.name ?? defaultName(kind, normalized), url: normalized, kind };
  if (options.tls) endpoint.tls = options.tls;
  return endpoint;
}

function defaultName(kind: EngineKind, url: string): string {
  return kind === 'unknown' ? url : kind;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}
