import { createHash } from 'node:crypto';
import { compareSeverity, singleLine, messageSeverity } from './render.js';
import { NOTICE_KINDS, type Notice, type NoticeDigest, type NoticeKind, type Severity } from './types.js';

/** Singular and plural labels per kind, used in the title and the section headings. */
const KIND_LABELS: Record<NoticeKind, [string, string]> = {
  'vulnerability.new': ['new vulnerability', 'new vulnerabilities'],
  'vulnerability.fixed': ['fix available', 'fixes available'],
  'verdict.changed': ['trust verdict changed', 'trust verdicts changed'],
  'image.unused': ['image no longer used', 'images no longer used'],
  test: ['test notice', 'test notices'],
};

/** Lines listed per kind; the rest are counted, so a flood of notices cannot make a huge message. */
const MAX_LINES_PER_KIND = 100;

/**
 * Combines `notices` into one message for a daily digest. The title counts the notices per kind;
 * the body lists them grouped by kind, highest severity first, then newest first. The digest id
 * depends only on the set of notice ids, so a resent digest keeps its id.
 */
export function digest(notices: readonly Notice[], options: { now?: Date } = {}): NoticeDigest {
  const sorted = [...notices].sort(compareNotices);
  const counts: Partial<Record<NoticeKind, number>> = {};
  for (const notice of sorted) counts[notice.kind] = (counts[notice.kind] ?? 0) + 1;

  return {
    kind: 'digest',
    id: digestId(sorted),
    title: digestTitle(counts),
    body: digestBody(sorted),
    severity: highestSeverity(sorted),
    counts,
    notices: sorted,
    createdAt: options.now ?? new Date(),
  };
}

function compareNotices(a: Notice, b: Notice): number {
  return (
    compareSeverity(messageSeverity(a), messageSeverity(b)) ||
    b.createdAt.getTime() - a.createdAt.getTime() ||
    a.id.localeCompare(b.id)
  );
}

function digestId(notices: readonly Notice[]): string {
  const ids = [...new Set(notices.map((notice) => notice.id))].sort();
  const hash = createHash('sha256');
  for (const id of ids) hash.update(id).update('\n');
  return `digest:${hash.digest('hex').slice(0, 32)}`;
}

function label(kind: NoticeKind, count: number): string {
  const [singular, plural] = KIND_LABELS[kind];
  return `${count} ${count === 1 ? singular : plural}`;
}

function digestTitle(counts: Partial<Record<NoticeKind, number>>): string {
  const parts = NOTICE_KINDS.filter((kind) => counts[kind] !== undefined).map((kind) => label(kind, counts[kind] ?? 0));
  return parts.length === 0 ? 'Bosun digest: no new notices' : `Bosun digest: ${parts.join(', ')}`;
}

function digestBody(sorted: readonly Notice[]): string {
  const sections: string[] = [];
  for (const kind of NOTICE_KINDS) {
    const group = sorted.filter((notice) => notice.kind === kind);
    if (group.length === 0) continue;

    const lines = group.slice(0, MAX_LINES_PER_KIND).map(digestLine);
    if (group.length > MAX_LINES_PER_KIND) lines.push(`- … and ${group.length - MAX_LINES_PER_KIND} more`);
    sections.push(`${label(kind, group.length)}:\n${lines.join('\n')}`);
  }
  return sections.length === 0 ? 'No notices in this period.' : sections.join('\n\n');
}

function digestLine(notice: Notice): string {
  const where = [notice.host, notice.container].filter((part) => part !== undefined).join('/');
  const suffix = where.length > 0 ? ` (${where})` : '';
  return `- [${messageSeverity(notice)}] ${singleLine(notice.title, 200)}${suffix}`;
}

function highestSeverity(notices: readonly Notice[]): Severity {
  let highest: Severity = 'unknown';
  for (const notice of notices) {
    const severity = messageSeverity(notice);
    if (compareSeverity(severity, highest) < 0) highest = severity;
  }
  return highest;
}
