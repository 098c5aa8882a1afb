import { createHmac } from 'node:crypto';
import { z } from 'zod';
import { headerNameSchema, headerValueSchema, httpUrlSchema, timeoutSchema } from '../config.js';
import { postHttp } from '../http.js';
import { messageEvent, messageSeverity } from '../render.js';
import type { Channel, ChannelType, Message, Notice, NoticeDigest } from '../types.js';

/** Version of the JSON body described in docs/webhook.md; raised on any incompatible change. */
export const WEBHOOK_SCHEMA_VERSION = 1;

/** Headers Bosun sets itself; custom headers may not replace them. */
const RESERVED_HEADERS = new Set([
  'content-type',
  'content-length',
  'host',
  'transfer-encoding',
  'x-bosun-signature',
  'x-bosun-timestamp',
  'x-bosun-event',
]);

export const webhookConfigSchema = z
  .object({
    url: httpUrlSchema,
    /** HMAC-SHA256 key shared with the receiver. */
    secret: z.string().min(16, 'must be at least 16 characters'),
    /** Extra request headers, for example an API key the receiver expects. Treated as secrets. */
    headers: z
      .record(headerNameSchema, headerValueSchema)
      .default({})
      .refine((headers) => Object.keys(headers).every((name) => !RESERVED_HEADERS.has(name.toLowerCase())), {
        message: `must not set ${[...RESERVED_HEADERS].join(', ')}`,
      }),
    timeoutMs: timeoutSchema.default(10_000),
  })
  .strict();

export type WebhookConfig = z.infer<typeof webhookConfigSchema>;

/** Computes the `X-Bosun-Signature` value: `sha256=` and the hex HMAC-SHA256 of the raw body. */
export function signWebhookBody(body: string, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body, 'utf8').digest('hex')}`;
}

/** Builds the JSON body sent for `message` at `sentAt` (schema version 1, docs/webhook.md). */
export function webhookPayload(message: Message, sentAt: Date): Record<string, unknown> {
  const base = { schema: WEBHOOK_SCHEMA_VERSION, event: messageEvent(message), sentAt: sentAt.toISOString() };
  if (message.kind === 'digest') return { ...base, digest: digestJson(message) };
  return { ...base, notice: noticeJson(message) };
}

function noticeJson(notice: Notice): Record<string, unknown> {
  return {
    id: notice.id,
    kind: notice.kind,
    title: notice.title,
    body: notice.body,
    severity: messageSeverity(notice),
    host: notice.host ?? null,
    container: notice.container ?? null,
    image: notice.image ?? null,
    advisory: notice.advisory
      ? { ...notice.advisory, fixedVersion: notice.advisory.fixedVersion ?? null, url: notice.advisory.url ?? null }
      : null,
    createdAt: notice.createdAt.toISOString(),
  };
}

function digestJson(digest: NoticeDigest): Record<string, unknown> {
  return {
    id: digest.id,
    title: digest.title,
    body: digest.body,
    severity: digest.severity,
    counts: digest.counts,
    createdAt: digest.createdAt.toISOString(),
    notices: digest.notices.map(noticeJson),
  };
}

function createWebhookChannel(name: string, config: WebhookConfig): Channel {
  const url = new URL(config.url);
  const secrets = [config.secret, ...Object.values(config.headers)];
  // Lower-case names, so that a custom User-Agent replaces the default instead of adding a second one.
  const customHeaders = Object.fromEntries(Object.entries(config.headers).map(([header, value]) => [header.toLowerCase(), value]));

  return {
    name,
    type: 'webhook',
    async send(message: Message, signal: AbortSignal): Promise<void> {
      const sentAt = new Date();
      const body = JSON.stringify(webhookPayload(message, sentAt));
      const headers = {
        'user-agent': 'bosun-notify',
        ...customHeaders,
        'content-type': 'application/json; charset=utf-8',
        'x-bosun-event': messageEvent(message),
        'x-bosun-timestamp': String(Math.floor(sentAt.getTime() / 1000)),
        'x-bosun-signature': signWebhookBody(body, config.secret),
      };
      await postHttp({ channel: name, type: 'webhook', url, headers, body, signal, timeoutMs: config.timeoutMs, secrets });
    },
  };
}

/** Generic JSON webhook signed with HMAC-SHA256. */
export const webhookChannel: ChannelType<WebhookConfig> = {
  type: 'webhook',
  configSchema: webhookConfigSchema,
  create: createWebhookChannel,
};
