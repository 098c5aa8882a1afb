import { z } from 'zod';
import type { Digest } from '../common/digest.js';

/** Kinds of notice the service produces; `test` is sent by `bosun notify test`. */
export const NOTICE_KINDS = ['vulnerability.new', 'vulnerability.fixed', 'verdict.changed', 'image.unused', 'test'] as const;
export type NoticeKind = (typeof NOTICE_KINDS)[number];

/** Qualitative severity ratings, highest first (CVSS v3 names plus `unknown`). */
export const SEVERITIES = ['critical', 'high', 'medium', 'low', 'none', 'unknown'] as const;
export type Severity = (typeof SEVERITIES)[number];

const digestSchema = z
  .string()
  .regex(/^(sha256:[a-f0-9]{64}|sha512:[a-f0-9]{128})$/, 'expected sha256:<64 hex> or sha512:<128 hex>')
  .transform((value) => value as Digest);

/**
 * Schema of a notice as the service stores it. `createdAt` accepts an ISO 8601 string so that
 * notices read back from the database or a JSON queue parse without a separate step.
 */
export const noticeSchema = z.object({
  id: z.string().min(1).max(512),
  kind: z.enum(NOTICE_KINDS),
  title: z.string().min(1).max(1000),
  body: z.string().max(100_000),
  severity: z.enum(SEVERITIES).optional(),
  host: z.string().max(253).optional(),
  container: z.string().max(512).optional(),
  image: z.object({ reference: z.string().max(1000), digest: digestSchema }).optional(),
  advisory: z
    .object({
      id: z.string().max(200),
      aliases: z.array(z.string().max(200)).max(100),
      severity: z.enum(SEVERITIES),
      fixedVersion: z.string().max(200).optional(),
      url: z.url({ protocol: /^https?$/ }).max(2000).optional(),
    })
    .optional(),
  createdAt: z.coerce.date(),
});

/**
 * One event about the user's containers. `id` is stable across restarts, so the caller and the
 * receivers can drop duplicates; `body` is plain text.
 */
export type Notice = z.infer<typeof noticeSchema>;

/** Several notices combined into one message, built by `digest()`. */
export interface NoticeDigest {
  kind: 'digest';
  /** Stable for the same set of notice ids, so a resent digest can be recognised. */
  id: string;
  title: string;
  body: string;
  /** Highest severity among the notices. */
  severity: Severity;
  counts: Partial<Record<NoticeKind, number>>;
  notices: Notice[];
  createdAt: Date;
}

/** A message for a channel: a single notice or a digest of several. */
export type Message = Notice | NoticeDigest;

/**
 * A configured destination. `send` resolves once the receiver accepted the message and rejects
 * with a `NotifyError` otherwise, or with `signal.reason` when the caller aborts.
 */
export interface Channel {
  /** The name the user gave the channel in the config file. */
  readonly name: string;
  readonly type: ChannelTypeName;
  send(message: Message, signal: AbortSignal): Promise<void>;
}

export type ChannelTypeName = 'webhook' | 'ntfy' | 'gotify' | 'email';

/** One notifier implementation: its config schema and a factory. */
export interface ChannelType<Config> {
  readonly type: ChannelTypeName;
  readonly configSchema: z.ZodType<Config>;
  create(name: string, config: Config): Channel;
}
