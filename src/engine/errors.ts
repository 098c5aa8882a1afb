import { EngineError, describeError } from '../common/errors.js';
import type { EngineEndpoint } from './endpoint.js';

/** Hints by HTTP status, replacing the defaults below for one call. */
export type StatusHints = Partial<Record<number, string>>;

const STATUS_CODES: Record<number, string> = {
  400: 'engine.bad_request',
  401: 'engine.forbidden',
  403: 'engine.forbidden',
  404: 'engine.not_found',
  409: 'engine.conflict',
  500: 'engine.server_error',
  503: 'engine.unavailable',
};

const STATUS_HINTS: Record<number, string> = {
  400: 'the engine rejected the request as invalid; check the values named in its message',
  401: 'an authorization plugin or proxy denied the request; check its policy',
  403: 'an authorization plugin or proxy denied the request; check its policy',
  404: 'list what exists with `docker ps -a`, `docker images` or `docker service ls` and check the name',
  409: 'the object is in a conflicting state (name in use, already running, in use by a container): resolve that first',
  500: 'the engine failed internally; check its log (`journalctl -u docker`) and retry',
  503: 'the engine cannot serve this now: for swarm calls, run against a swarm manager',
};

/** Builds the EngineError for an HTTP error status, classified by the status alone. */
export function statusError(endpoint: EngineEndpoint, where: string, subject: string, status: number, detail: string, hints: StatusHints = {}): EngineError {
  const code = STATUS_CODES[status] ?? (status >= 500 ? 'engine.server_error' : 'engine.request_failed');
  const hint = hints[status] ?? STATUS_HINTS[status] ?? (status >= 500 ? STATUS_HINTS[500] : 'check the engine log');
  const message = status === 404 ? `${subject} not found on ${where}` : `${where} returned HTTP ${status} for ${subject}`;
  return new EngineError(code, detail === '' ? message : `${message}: ${detail}`, { endpoint: endpoint.url, status, hint });
}

/**
 * Builds the EngineError for a failure below HTTP: a missing socket, a refused connection, a
 * TLS handshake failure or a connection dropped mid-response. Classified by the Node error code.
 */
export function classifyConnectionError(endpoint: EngineEndpoint, where: string, subject: string, error: unknown): EngineError {
  const code = errorCode(error);
  const details = { endpoint: endpoint.url, cause: error };
  const reason = describeError(error);

  if (code === 'ENOENT' || code === 'ENOTDIR') {
    return new EngineError('engine.socket_missing', `engine socket ${endpoint.url} does not exist (${subject})`, {
      ...details,
      hint: 'start the engine, or set DOCKER_HOST (or --engine) to where it listens, for example unix:///run/user/1000/docker.sock',
    });
  }
  if (code === 'EACCES' || code === 'EPERM') {
    return new EngineError('engine.permission_denied', `permission denied on engine socket ${endpoint.url} (${subject})`, {
      ...details,
      hint: 'run as a user in the socket\'s group (usually `docker`), or point DOCKER_HOST at a socket this user may open',
    });
  }
  if (code !== undefined && isTlsCode(code)) {
    return new EngineError('engine.tls_failed', `TLS with ${where} failed (${subject}): ${reason}`, {
      ...details,
      hint: 'check that ca.pem signed the daemon certificate, that the daemon trusts cert.pem, and that the certificate names the host',
    });
  }
  if (code === 'UND_ERR_HEADERS_TIMEOUT') {
    return new EngineError('engine.timeout', `${where} did not respond (${subject})`, {
      ...details,
      hint: 'the engine accepted the connection but did not respond: check that the address is a Docker or Podman API and that the engine is not hung (`docker info`)',
    });
  }
  if (code === 'ECONNREFUSED' || code === 'EHOSTUNREACH' || code === 'ENETUNREACH' || code === 'ENOTFOUND' || code === 'UND_ERR_CONNECT_TIMEOUT') {
    return new EngineError('engine.unreachable', `cannot connect to ${where} (${subject}): ${reason}`, {
      ...details,
      hint: 'start the engine, or set DOCKER_HOST (or --engine) to where it listens',
    });
  }
  return new EngineError('engine.connection_lost', `connection to ${where} failed (${subject}): ${reason}`, {
    ...details,
    hint: connectionLostHint(endpoint),
  });
}

/**
 * Returns the hint for a dropped connection. A daemon that rejects a client certificate under
 * TLS 1.3 often just closes the connection, and so does a TLS port that receives plain HTTP.
 */
function connectionLostHint(endpoint: EngineEndpoint): string {
  if (endpoint.tls) return 'check that the daemon trusts the CA that signed cert.pem (its --tlscacert), then retry';
  if (endpoint.url.startsWith('tcp://')) return 'if the daemon listens with TLS, set DOCKER_TLS_VERIFY=1 and DOCKER_CERT_PATH; otherwise check that it is running';
  return 'check that the engine is running and that no proxy closes the connection, then retry';
}

/** Returns the Node or undici error code of `error` or of its cause. */
export function errorCode(error: unknown): string | undefined {
  for (let current: unknown = error, depth = 0; current instanceof Error && depth < 4; current = current.cause, depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && code !== 'UND_ERR_SOCKET') return code;
  }
  return errorCodeOf(error);
}

function errorCodeOf(error: unknown): string | undefined {
  const code = error instanceof Error ? (error as { code?: unknown }).code : undefined;
  return typeof code === 'string' ? code : undefined;
}

function isTlsCode(code: string): boolean {
  return (
    code.startsWith('ERR_SSL_') ||
    code.startsWith('ERR_TLS_') ||
    code.startsWith('CERT_') ||
    code.startsWith('UNABLE_TO_') ||
    code === 'DEPTH_ZERO_SELF_SIGNED_CERT' ||
    code === 'SELF_SIGNED_CERT_IN_CHAIN' ||
    code === 'ERR_OSSL_PEM_NO_START_LINE' ||
    code.startsWith('ERR_OSSL_')
  );
}
