import { SEVERITIES, type Message, type Notice, type Severity } from './types.js';

/** Sorts severities highest first: a negative result puts `a` before `b`. */
export function compareSeverity(a: Severity, b: Severity): number {
  return SEVERITIES.indexOf(a) - SEVERITIES.indexOf(b);
}

/** Returns the severity a channel shows: the notice's own, else its advisory's, else `unknown`. */
export function messageSeverity(message: Message): Severity {
  if (message.kind === 'digest') return message.severity;
  return message.severity ?? message.advisory?.severity ?? 'unknown';
}

/** Returns the event name sent to receivers: the notice kind, or `digest`. */
export function messageEvent(message: Message): string {
  return message.kind;
}

/** Returns the advisory page to open from a notification, when the notice has an http(s) one. */
export function messageLink(message: Message): string | undefined {
  if (message.kind === 'digest') return undefined;
  return message.advisory?.url;
}

/** Renders the plain-text body: the notice body followed by one line per known field. */
export function renderText(message: Message): string {
  if (message.kind === 'digest') return message.body;

  const details = noticeDetails(message);
  if (details.length === 0) return message.body;
  return `${message.body}\n\n${details.join('\n')}`;
}

function noticeDetails(notice: Notice): string[] {
  const lines: string[] = [];
  if (notice.host !== undefined) lines.push(`Host: ${notice.host}`);
  if (notice.container !== undefined) lines.push(`Container: ${notice.container}`);
  if (notice.image !== undefined) lines.push(`Image: ${notice.image.reference} (${notice.image.digest})`);

  const advisory = notice.advisory;
  if (advisory !== undefined) {
    const aliases = advisory.aliases.length > 0 ? ` (${advisory.aliases.join(', ')})` : '';
    lines.push(`Advisory: ${advisory.id}${aliases}, severity ${advisory.severity}`);
    if (advisory.fixedVersion !== undefined) lines.push(`Fixed in: ${advisory.fixedVersion}`);
    if (advisory.url !== undefined) lines.push(`Details: ${advisory.url}`);
  }
  return lines;
}

/**
 * Flattens untrusted text to one line, for header values and list items: runs of control
 * characters (CR and LF included, which would split a header) become one space, and the result
 * is cut to `max` characters.
 */
export function singleLine(text: string, max = 250): string {
  // eslint-disable-next-line no-control-regex
  const flat = text.replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ').trim();
  return [...flat].slice(0, max).join('');
}

/**
 * Encodes a header value as RFC 2047 encoded-words when it is not plain printable ASCII,
 * because HTTP header values are bytes and undici rejects characters above U+00FF. Each word
 * stays within the 75-character limit of RFC 2047 section 2 and never splits a character;
 * decoders drop the spaces between adjacent encoded-words.
 */
export function encodeHeaderWords(text: string): string {
  if (/^[\x20-\x7e]*$/.test(text)) return text;

  const maxChunkBytes = 45; // base64 of 45 bytes is 60 characters, plus 12 for "=?UTF-8?B??="
  const words: string[] = [];
  let chunk = '';
  for (const char of text) {
    if (Buffer.byteLength(chunk + char, 'utf8') > maxChunkBytes) {
      words.push(chunk);
      chunk = '';
    }
    chunk += char;
  }
  if (chunk.length > 0) words.push(chunk);
  return words.map((word) => `=?UTF-8?B?${Buffer.from(word, 'utf8').toString('base64')}?=`).join(' ');
}

/** Cuts `text` to at most `maxBytes` of UTF-8 without splitting a character. */
export function truncateUtf8(text: string, maxBytes: number): string {
  if (Buffer.byteLength(text, 'utf8') <= maxBytes) return text;

  const marker = '…';
  const budget = maxBytes - Buffer.byteLength(marker, 'utf8');
  let used = 0;
  let result = '';
  for (const char of text) {
    const size = Buffer.byteLength(char, 'utf8');
    if (used + size > budget) break;
    used += size;
    result += char;
  }
  return result + marker;
}
