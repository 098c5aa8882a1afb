import { InputError } from '../common/errors.js';
import { messageSeverity, renderText } from './render.js';
import type { Notice } from './types.js';

/*
 * The Atom XML is written here rather than with the `feed` package, because feed 5.2.1 leaves
 * `<` and `&` unescaped in category attributes and keeps control characters that XML 1.0
 * forbids. It also marks entry titles as HTML, so a hostile advisory title would become markup
 * in feed readers.
 */

export interface AtomFeedOptions {
  title: string;
  /** Absolute URL where this feed is served; the `self` link. */
  selfUrl: string;
  /** Permanent IRI of the feed. Defaults to `selfUrl`. */
  id?: string;
  /** Page of the web UI that shows the same notices. */
  alternateUrl?: string;
  author?: { name: string; email?: string; uri?: string };
  notices: readonly Notice[];
  /** Link of each entry to its page in the web UI, when there is one. */
  entryUrl?: (notice: Notice) => string | undefined;
  /** Feed `updated` when there are no notices. Defaults to the current time. */
  now?: Date;
  /** Newest entries kept. Default 500. */
  maxEntries?: number;
}

const ATOM_NS = 'http://www.w3.org/2005/Atom';

/**
 * Writes an Atom 1.0 feed (RFC 4287) of `notices`, newest first. Entry ids are
 * `urn:bosun:notice:<id>`, so a reader shows a notice once however often it fetches the feed.
 * For repeated ids only the newest notice is kept. All text is escaped and stripped of
 * characters XML 1.0 does not allow.
 */
export function atomFeed(options: AtomFeedOptions): string {
  const selfUrl = absoluteUrl(options.selfUrl, 'feed selfUrl');
  const entries = newestPerId(options.notices).slice(0, options.maxEntries ?? 500);
  const updated = entries[0]?.createdAt ?? options.now ?? new Date();
  const author = options.author ?? { name: 'Bosun' };

  const lines = [
    '<?xml version="1.0" encoding="utf-8"?>',
    `<feed xmlns="${ATOM_NS}">`,
    `  <id>${escapeText(options.id ?? selfUrl)}</id>`,
    `  <title type="text">${escapeText(flatten(options.title))}</title>`,
    `  <updated>${rfc3339(updated)}</updated>`,
    `  <link rel="self" type="application/atom+xml" href="${escapeAttribute(selfUrl)}"/>`,
  ];
  if (options.alternateUrl !== undefined) {
    const alternate = absoluteUrl(options.alternateUrl, 'feed alternateUrl');
    lines.push(`  <link rel="alternate" type="text/html" href="${escapeAttribute(alternate)}"/>`);
  }
  lines.push(...personLines('author', author, '  '));
  lines.push('  <generator>Bosun</generator>');
  for (const notice of entries) lines.push(...entryLines(notice, options.entryUrl?.(notice)));
  lines.push('</feed>', '');
  return lines.join('\n');
}

function entryLines(notice: Notice, entryUrl: string | undefined): string[] {
  const severity = messageSeverity(notice);
  const lines = [
    '  <entry>',
    `    <id>urn:bosun:notice:${escapeText(encodeURIComponent(notice.id))}</id>`,
    `    <title type="text">${escapeText(flatten(notice.title))}</title>`,
    `    <updated>${rfc3339(notice.createdAt)}</updated>`,
    `    <published>${rfc3339(notice.createdAt)}</published>`,
  ];
  const summary = flatten(notice.body).slice(0, 280);
  if (summary.length > 0) lines.push(`    <summary type="text">${escapeText(summary)}</summary>`);
  lines.push(`    <content type="text">${escapeText(renderText(notice))}</content>`);
  lines.push(`    <category scheme="urn:bosun:kind" term="${escapeAttribute(notice.kind)}"/>`);
  lines.push(`    <category scheme="urn:bosun:severity" term="${escapeAttribute(severity)}"/>`);

  if (entryUrl !== undefined && isHttpUrl(entryUrl)) {
    lines.push(`    <link rel="alternate" type="text/html" href="${escapeAttribute(entryUrl)}"/>`);
  }
  const advisory = notice.advisory;
  if (advisory?.url !== undefined && isHttpUrl(advisory.url)) {
    lines.push(`    <link rel="related" type="text/html" href="${escapeAttribute(advisory.url)}" title="${escapeAttribute(flatten(advisory.id))}"/>`);
  }
  lines.push('  </entry>');
  return lines;
}

function personLines(element: string, person: { name: string; email?: string; uri?: string }, indent: string): string[] {
  const lines = [`${indent}<${element}>`, `${indent}  <name>${escapeText(flatten(person.name))}</name>`];
  if (person.email !== undefined) lines.push(`${indent}  <email>${escapeText(flatten(person.email))}</email>`);
  if (person.uri !== undefined) lines.push(`${indent}  <uri>${escapeText(absoluteUrl(person.uri, 'feed author uri'))}</uri>`);
  lines.push(`${indent}</${element}>`);
  return lines;
}

/** Keeps the newest notice per id, newest first. */
function newestPerId(notices: readonly Notice[]): Notice[] {
  const byId = new Map<string, Notice>();
  for (const notice of notices) {
    const seen = byId.get(notice.id);
    if (seen === undefined || notice.createdAt.getTime() > seen.createdAt.getTime()) byId.set(notice.id, notice);
  }
  return [...byId.values()].sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || a.id.localeCompare(b.id));
}

/** Formats a date as RFC 3339 in UTC (`2024-05-01T12:00:00.000Z`). */
function rfc3339(date: Date): string {
  return date.toISOString();
}

function absoluteUrl(value: string, what: string): string {
  if (!isHttpUrl(value)) throw new InputError(`invalid ${what} "${value.slice(0, 200)}": expected an absolute http(s) URL`);
  return value;
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

/**
 * Characters XML 1.0 forbids (C0 controls other than tab, LF and CR, lone surrogates, U+FFFE
 * and U+FFFF) plus the C1 controls, which XML allows but which only ever appear as garbage.
 */
const NOT_XML_TEXT = /[^\t\n\r\u0020-\u007e\u00a0-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]/gu;

/** Removes characters that are not allowed in XML 1.0 text. */
export function xmlSafe(text: string): string {
  return text.replace(NOT_XML_TEXT, '');
}

function escapeText(text: string): string {
  return xmlSafe(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function escapeAttribute(text: string): string {
  return escapeText(text).replace(/"/g, '&quot;').replace(/'/g, '&apos;').replace(/[\t\n\r]/g, (char) => `&#${char.charCodeAt(0)};`);
}

/**
 * Removes characters XML does not allow, then collapses whitespace runs (newlines included) to
 * one space, for titles and summaries.
 */
function flatten(text: string): string {
  return xmlSafe(text).replace(/\s+/g, ' ').trim();
}
