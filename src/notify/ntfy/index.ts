import { z } from 'zod';
import { httpUrlSchema, joinUrl, timeoutSchema } from '../config.js';
import { postHttp } from '../http.js';
import { encodeHeaderWords, singleLine, messageLink, messageSeverity, renderText, truncateUtf8 } from '../render.js';
import type { Channel, ChannelType, Message, Severity } from '../types.js';

/**
 * ntfy stores bodies up to its `message-size-limit` (4096 bytes by default) as text and turns
 * longer ones into attachments, which phones show as a file instead of the text.
 */
const MAX_BODY_BYTES = 4096;

export const ntfyConfigSchema = z
  .object({
    /** Server base URL, for example https://ntfy.sh or https://example.com/ntfy. */
    url: httpUrlSchema,
    /** ntfy topic names are 1 to 64 characters of letters, digits, `_` and `-`. */
    topic: z.string().regex(/^[-_A-Za-z0-9]{1,64}$/, 'expected 1-64 letters, digits, "_" or "-"'),
    /** Access token (`tk_…`), sent as `Authorization: Bearer`. */
    token: z.string().min(1).optional(),
    username: z.string().min(1).optional(),
    password: z.string().min(1).optional(),
    /** Extra tags added to every message. */
    tags: z.array(z.string().regex(/^[-_A-Za-z0-9.:]{1,64}$/)).max(10).default([]),
    timeoutMs: timeoutSchema.default(10_000),
  })
  .strict()
  .refine((config) => !(config.token !== undefined && config.username !== undefined), {
    message: 'set either token or username/password, not both',
  })
  .refine((config) => (config.username === undefined) === (config.password === undefined), {
    message: 'username and password must be set together',
  });

export type NtfyConfig = z.infer<typeof ntfyConfigSchema>;

/** ntfy priorities: 1 min, 2 low, 3 default, 4 high, 5 max (urgent). */
const PRIORITY: Record<Severity, number> = { critical: 5, high: 4, medium: 3, low: 2, none: 2, unknown: 3 };

/** Builds the publish request headers; ntfy reads Title, Priority, Tags and Click. */
export function ntfyHeaders(message: Message, config: NtfyConfig): Record<string, string> {
  const severity = messageSeverity(message);
  const headers: Record<string, string> = {
    'content-type': 'text/plain; charset=utf-8',
    'user-agent': 'bosun-notify',
    title: encodeHeaderWords(singleLine(message.title)),
    priority: String(PRIORITY[severity]),
    tags: [emojiTag(message, severity), 'bosun', message.kind, severity, ...config.tags].join(','),
  };

  const link = messageLink(message);
  if (link !== undefined) headers['click'] = link;

  const authorization = authorizationHeader(config);
  if (authorization !== undefined) headers['authorization'] = authorization;
  return headers;
}

/** ntfy shows a tag that names an emoji short code as that emoji in front of the title. */
function emojiTag(message: Message, severity: Severity): string {
  switch (message.kind) {
    case 'vulnerability.new':
      return severity === 'critical' || severity === 'high' ? 'rotating_light' : 'warning';
    case 'vulnerability.fixed':
      return 'white_check_mark';
    case 'verdict.changed':
      return 'shield';
    case 'image.unused':
      return 'wastebasket';
    case 'test':
      return 'test_tube';
    case 'digest':
      return 'newspaper';
  }
}

function authorizationHeader(config: NtfyConfig): string | undefined {
  if (config.token !== undefined) return `Bearer ${config.token}`;
  const credentials = basicCredentials(config);
  return credentials === undefined ? undefined : `Basic ${credentials}`;
}

function basicCredentials(config: NtfyConfig): string | undefined {
  if (config.username === undefined || config.password === undefined) return undefined;
  return Buffer.from(`${config.username}:${config.password}`, 'utf8').toString('base64');
}

function createNtfyChannel(name: string, config: NtfyConfig): Channel {
  const url = joinUrl(config.url, config.topic);
  const secrets = [config.token, config.password, basicCredentials(config)].filter(
    (value): value is string => value !== undefined,
  );

  return {
    name,
    type: 'ntfy',
    async send(message: Message, signal: AbortSignal): Promise<void> {
      const body = truncateUtf8(renderText(message), MAX_BODY_BYTES);
      const headers = ntfyHeaders(message, config);
      await postHttp({ channel: name, type: 'ntfy', url, headers, body, signal, timeoutMs: config.timeoutMs, secrets });
    },
  };
}

/** ntfy publish API: POST the text to `<url>/<topic>` (https://docs.ntfy.sh/publish/). */
export const ntfyChannel: ChannelType<NtfyConfig> = {
  type: 'ntfy',
  configSchema: ntfyConfigSchema,
  create: createNtfyChannel,
};
