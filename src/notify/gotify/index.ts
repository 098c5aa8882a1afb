import { z } from 'zod';
import { httpUrlSchema, joinUrl, timeoutSchema } from '../config.js';
import { postHttp } from '../http.js';
import { messageEvent, messageLink, messageSeverity, renderText } from '../render.js';
import type { Channel, ChannelType, Message, Severity } from '../types.js';

export const gotifyConfigSchema = z
  .object({
    /** Server base URL, for example https://gotify.example.com. */
    url: httpUrlSchema,
    /** Application token (not a client token): Gotify only lets applications create messages. */
    token: z.string().min(1),
    /**
     * Placement of the token. `header` (X-Gotify-Key) keeps it out of proxy access logs, and
     * `query` (`?token=`) is for proxies that strip unknown headers.
     */
    tokenIn: z.enum(['header', 'query']).default('header'),
    timeoutMs: timeoutSchema.default(10_000),
  })
  .strict();

export type GotifyConfig = z.infer<typeof gotifyConfigSchema>;

/**
 * Gotify priorities run 0 to 10. Its clients treat 0 as silent, 1-3 as low, 4-7 as normal and
 * 8 and above as high. The exact effect depends on the client's settings.
 */
const PRIORITY: Record<Severity, number> = { critical: 10, high: 8, medium: 5, low: 3, none: 1, unknown: 5 };

/** Builds the JSON body of `POST /message`: title, message, priority and extras. */
export function gotifyBody(message: Message): Record<string, unknown> {
  const severity = messageSeverity(message);
  const extras: Record<string, unknown> = {
    'client::display': { contentType: 'text/plain' },
    'bosun::notice': { id: message.id, event: messageEvent(message), severity },
  };

  const link = messageLink(message);
  if (link !== undefined) extras['client::notification'] = { click: { url: link } };

  return { title: message.title, message: renderText(message), priority: PRIORITY[severity], extras };
}

function createGotifyChannel(name: string, config: GotifyConfig): Channel {
  const url = joinUrl(config.url, 'message');
  if (config.tokenIn === 'query') url.searchParams.set('token', config.token);

  return {
    name,
    type: 'gotify',
    async send(message: Message, signal: AbortSignal): Promise<void> {
      const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': 'bosun-notify' };
      if (config.tokenIn === 'header') headers['x-gotify-key'] = config.token;

      const body = JSON.stringify(gotifyBody(message));
      await postHttp({ channel: name, type: 'gotify', url, headers, body, signal, timeoutMs: config.timeoutMs, secrets: [config.token] });
    },
  };
}

/** Gotify message API: POST JSON to `<url>/message` with an application token. */
export const gotifyChannel: ChannelType<GotifyConfig> = {
  type: 'gotify',
  configSchema: gotifyConfigSchema,
  create: createGotifyChannel,
};
