import { createHash } from 'node:crypto';
import MailComposer from 'nodemailer/lib/mail-composer/index.js';
import { z } from 'zod';
import { logger } from '../../common/log.js';
import { timeoutSchema } from '../config.js';
import { singleLine, messageEvent, messageLink, renderText } from '../render.js';
import type { Channel, ChannelType, Message } from '../types.js';
import { sendSmtp } from './smtp.js';

export const emailConfigSchema = z
  .object({
    host: z.string().min(1).max(253),
    /** 587 is the submission port with STARTTLS; use 465 with `secure: true`. */
    port: z.number().int().min(1).max(65_535).default(587),
    /** Implicit TLS from the first byte (port 465). When false, STARTTLS upgrades the session. */
    secure: z.boolean().default(false),
    /**
     * Fail unless the server upgrades with STARTTLS before AUTH and DATA, so that credentials
     * and notices never cross the network in clear text. Ignored when `secure` is true.
     */
    requireTLS: z.boolean().default(true),
    auth: z.object({ user: z.string().min(1), pass: z.string().min(1) }).strict().optional(),
    from: z.email(),
    to: z.union([z.email(), z.array(z.email()).min(1).max(50)]),
    tls: z
      .object({
        /** Set to false only for a test sink with a self-signed certificate. */
        rejectUnauthorized: z.boolean().default(true),
        /** PEM certificate of a private CA that signed the server certificate. */
        ca: z.string().optional(),
      })
      .strict()
      .default({ rejectUnauthorized: true }),
    /** Limit for the whole SMTP session, and for each wait on the server inside it. */
    timeoutMs: timeoutSchema.default(30_000),
  })
  .strict();

export type EmailConfig = z.infer<typeof emailConfigSchema>;

const log = logger('notify.email');

/** Escapes text for HTML element content and attribute values. */
function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

/** Renders the HTML alternative: the title, the text in a wrapping block, and the advisory link. */
export function emailHtml(message: Message): string {
  const link = messageLink(message);
  const linkHtml = link === undefined ? '' : `<p><a href="${escapeHtml(link)}">${escapeHtml(link)}</a></p>`;
  return [
    '<!doctype html><html><body>',
    `<h2>${escapeHtml(message.title)}</h2>`,
    `<pre style="white-space: pre-wrap; font-family: inherit">${escapeHtml(renderText(message))}</pre>`,
    linkHtml,
    '</body></html>',
  ].join('\n');
}

/**
 * Builds the RFC 5322 message. The Message-ID derives from the notice id, so a retried send
 * carries the same id and mail clients show it once.
 */
export async function composeEmail(message: Message, config: EmailConfig): Promise<Buffer> {
  const domain = config.from.slice(config.from.lastIndexOf('@') + 1);
  const idHash = createHash('sha256').update(message.id).digest('hex').slice(0, 32);
  const composer = new MailComposer({
    from: config.from,
    to: config.to,
    subject: singleLine(message.title, 200),
    text: renderText(message),
    html: emailHtml(message),
    messageId: `<${idHash}.bosun@${domain}>`,
    headers: { 'X-Bosun-Event': messageEvent(message) },
  });
  return composer.compile().build();
}

function createEmailChannel(name: string, config: EmailConfig): Channel {
  const recipients = Array.isArray(config.to) ? config.to : [config.to];

  return {
    name,
    type: 'email',
    async send(message: Message, signal: AbortSignal): Promise<void> {
      const raw = await composeEmail(message, config);
      const info = await sendSmtp(name, config, { from: config.from, to: recipients }, raw, signal);
      if (info.rejected.length > 0) {
        // Some recipients took the mail; a retry would send it to them twice.
        log.warn({ channel: name, rejected: info.rejected.length, accepted: info.accepted.length }, 'SMTP server rejected some recipients');
      }
    },
  };
}

/** SMTP submission with STARTTLS or implicit TLS, through nodemailer's SMTP client. */
export const emailChannel: ChannelType<EmailConfig> = {
  type: 'email',
  configSchema: emailConfigSchema,
  create: createEmailChannel,
};
