import { TLSSocket } from 'node:tls';
import SMTPConnection from 'nodemailer/lib/smtp-connection/index.js';
import { NotifyError, redactSecrets } from '../errors.js';
import { singleLine } from '../render.js';
import type { EmailConfig } from './index.js';

/**
 * nodemailer error codes that fail the same way on every attempt when the server sent no reply
 * code: a failed TLS handshake or upgrade (certificate, protocol), a server that does not speak
 * SMTP, missing credentials, no valid recipient.
 */
const PERMANENT_CODES = new Set(['ETLS', 'EPROTOCOL', 'EAUTH', 'EENVELOPE', 'EREQUIRETLS']);

/**
 * Runs one SMTP session: connect (with STARTTLS as configured), AUTH, MAIL/RCPT/DATA, QUIT.
 * Settles once: on the server's reply to DATA, on the first error, on the session timeout, or
 * when `signal` aborts, which also closes the connection.
 */
export function sendSmtp(
  channel: string,
  config: EmailConfig,
  envelope: { from: string; to: string[] },
  raw: Buffer,
  signal: AbortSignal,
): Promise<SMTPConnection.SentMessageInfo> {
  signal.throwIfAborted();
  const connection = new SMTPConnection({
    host: config.host,
    port: config.port,
    secure: config.secure,
    requireTLS: config.requireTLS,
    tls: { rejectUnauthorized: config.tls.rejectUnauthorized, ...(config.tls.ca ? { ca: config.tls.ca } : {}) },
    connectionTimeout: config.timeoutMs,
    greetingTimeout: config.timeoutMs,
    socketTimeout: config.timeoutMs,
    logger: false,
  });

  return new Promise((resolve, reject) => {
    let settled = false;
    const finish = (error: unknown, info?: SMTPConnection.SentMessageInfo): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      if (info !== undefined) {
        connection.quit();
        resolve(info);
      } else {
        connection.close();
        reject(error);
      }
    };
    const fail = (error: SMTPConnection.SMTPError): void =>
      finish(certificateError(channel, config, connection) ?? smtpError(channel, config, error));
    const onAbort = (): void => finish(signal.reason);
    const timer = setTimeout(() => finish(timeoutError(channel, config)), config.timeoutMs);

    signal.addEventListener('abort', onAbort, { once: true });
    connection.on('error', fail);
    connection.on('end', () => finish(closedError(channel, config)));

    connection.connect((connectError) => {
      if (connectError) return fail(connectError);
      const deliver = (): void =>
        connection.send(envelope, raw, (sendError, info) => (sendError ? fail(sendError) : finish(undefined, info)));
      if (config.auth === undefined) return deliver();
      connection.login({ user: config.auth.user, pass: config.auth.pass }, (loginError) => (loginError ? fail(loginError) : deliver()));
    });
  });
}

function serverName(channel: string, config: EmailConfig): string {
  return `email channel "${channel}" (${config.host}:${config.port})`;
}

/**
 * Classifies by SMTP reply code where the server sent one (RFC 5321 section 4.2.1: 4yz is
 * transient, 5yz permanent), else by nodemailer's error code. The cause is attached only for
 * socket-level errors, because nodemailer copies server replies, which a hostile server could
 * fill with anything, into its messages.
 */
function smtpError(channel: string, config: EmailConfig, error: SMTPConnection.SMTPError): NotifyError {
  const secrets = config.auth ? [config.auth.pass, Buffer.from(config.auth.pass).toString('base64')] : [];
  const where = serverName(channel, config);
  const code = error.code ?? 'unknown error';

  if (error.responseCode !== undefined) {
    const reply = singleLine(redactSecrets(error.response ?? String(error.responseCode), secrets), 200);
    const retryable = error.responseCode >= 400 && error.responseCode < 500;
    return new NotifyError(retryable ? 'notify.unavailable' : 'notify.rejected', `${where} rejected ${error.command ?? 'the message'}: ${reply}`, {
      channel,
      status: error.responseCode,
      retryable,
      hint: replyHint(code, retryable),
    });
  }

  const retryable = !PERMANENT_CODES.has(code);
  return new NotifyError(retryable ? 'notify.network' : 'notify.rejected', `${where} failed (${code})`, {
    channel,
    retryable,
    hint: hintForCode(code),
    ...(retryable ? { cause: error } : {}),
  });
}

function replyHint(code: string, retryable: boolean): string {
  if (retryable) return 'The server deferred the message; delivery is retried.';
  if (code === 'EAUTH') return 'Check the SMTP user name and password.';
  if (code === 'ETLS') return 'The server refused STARTTLS; use a server that offers it, or set requireTLS: false.';
  return 'Check the from and to addresses and the server policy.';
}

/**
 * Detects a failed certificate verification. nodemailer 7 reports it as a plain ESOCKET error
 * and overwrites the TLS error code, but Node leaves the code in the socket's
 * `authorizationError`, both for implicit TLS and after STARTTLS.
 */
function certificateError(channel: string, config: EmailConfig, connection: SMTPConnection): NotifyError | undefined {
  // With rejectUnauthorized off, Node sets authorizationError too but goes on with the session.
  if (!config.tls.rejectUnauthorized) return undefined;
  const socket: unknown = connection._socket;
  if (!(socket instanceof TLSSocket) || !socket.authorizationError) return undefined;

  const reason = String(socket.authorizationError);
  const code = /^[A-Z0-9_]+$/.test(reason) ? reason : 'certificate rejected';
  return new NotifyError('notify.tls', `${serverName(channel, config)}: TLS certificate verification failed (${code})`, {
    channel,
    retryable: false,
    hint: 'Give the server a certificate the system trusts, set tls.ca to the PEM of its CA, or fix the host name.',
  });
}

function hintForCode(code: string): string {
  if (code === 'ETLS') {
    return 'Check that the server offers STARTTLS and that its certificate is trusted (tls.ca), or set requireTLS: false.';
  }
  if (code === 'EAUTH') return 'Set auth.user and auth.pass, or check that the server supports AUTH PLAIN or LOGIN.';
  if (code === 'EPROTOCOL') return 'Check the host and port, because the server did not respond as an SMTP server.';
  return 'Check the host and port and that the server is running; Bosun retries network errors.';
}

function timeoutError(channel: string, config: EmailConfig): NotifyError {
  return new NotifyError('notify.timeout', `${serverName(channel, config)} did not finish within ${config.timeoutMs} ms`, {
    channel,
    retryable: true,
    hint: 'Check that the server is reachable; Bosun retries timeouts.',
  });
}

function closedError(channel: string, config: EmailConfig): NotifyError {
  return new NotifyError('notify.network', `${serverName(channel, config)} closed the connection before accepting the message`, {
    channel,
    retryable: true,
    hint: 'Check the server logs; Bosun retries.',
  });
}
