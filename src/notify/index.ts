/**
 * Notification delivery: channels (webhook, ntfy, Gotify, email), retries with backoff, daily
 * digests, and the Atom feed. Delivery state lives with the caller: `deliver` returns the
 * outcome and the caller stores it (sent, or a dead letter).
 */
export * from './types.js';
export { NotifyError } from './errors.js';
export { channelTypes, createChannel } from './channels.js';
export { deliver, retryDelay, systemClock, type Clock, type DeliverOptions, type DeliveryResult } from './deliver.js';
export { digest } from './digest.js';
export { atomFeed, type AtomFeedOptions } from './feed.js';
export { signWebhookBody, webhookPayload, WEBHOOK_SCHEMA_VERSION } from './webhook/index.js';
