import { z } from 'zod';

/**
 * An http(s) URL without user info. Credentials go in the channel's own fields, so that no URL
 * that Bosun prints or logs can carry a password.
 */
export const httpUrlSchema = z
  .url({ protocol: /^https?$/, error: 'expected an http:// or https:// URL' })
  .refine((value) => {
    const url = new URL(value);
    return url.username === '' && url.password === '';
  }, 'must not contain a user name or password; use the channel credential fields');

/** Per-request timeout in milliseconds. */
export const timeoutSchema = z.number().int().min(100).max(300_000);

/** An HTTP header name (RFC 9110 token). */
export const headerNameSchema = z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, 'invalid HTTP header name');

/** An HTTP header value without control characters, so it cannot inject further headers. */
export const headerValueSchema = z.string().regex(/^[\t\x20-\x7e\x80-\xff]*$/, 'header value contains control characters');

/** Builds `base` + `segment` as a URL, keeping any path prefix of `base` (`https://host/ntfy`). */
export function joinUrl(base: string, segment: string): URL {
  const url = new URL(base);
  url.pathname = `${url.pathname.replace(/\/+$/, '')}/${segment}`;
  return url;
}
