import type { Warning } from '../../common/errors.js';
import type { ChainLink } from '../chain/index.js';
import type { Verdict } from './judge.js';
import type { AuditReport } from './source.js';

// Whole ANSI escape sequences: CSI (`ESC [ … final byte`) and OSC (`ESC ] … BEL` or `ESC ] … ESC \\`).
const ESCAPE_SEQUENCE = /\u001b\[[0-?]*[ -/]*[@-~]|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)/g;
// C0 and C1 control characters but newline and tab, DEL, and the bidirectional overrides and isolates.
const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

/**
 * Removes terminal escape sequences and replaces other control characters with a space, keeping
 * newlines and tabs. Dockerfiles, image names and labels are hostile input, and an escape in
 * them could clear the screen, rewrite earlier lines or set the window title.
 */
export function sanitiseTerminalText(text: string): string {
  return text.replace(ESCAPE_SEQUENCE, '').replace(UNSAFE, ' ');
}

/** Renders a verdict as text: the verdict line, the chain with its evidence, the reasons. */
export function renderVerdict(verdict: Verdict): string {
  const lines = [`${verdict.target}: ${verdict.verdict}`, '', 'chain:'];
  verdict.chain.links.forEach((link, index) => lines.push(...renderLink(link, index)));
  lines.push(`  ends in: ${verdict.chain.end}`, '', 'reasons:');
  for (const reason of verdict.reasons) lines.push(`  - ${reason}`);
  for (const source of verdict.sources) {
    if (source.diff?.dockerfileDiff === undefined) continue;
    lines.push('', `changes to ${source.dockerfile} since its approval:`, source.diff.dockerfileDiff.trimEnd());
  }
  lines.push(...renderWarnings(verdict.warnings));
  return sanitiseTerminalText(`${lines.join('\n')}\n`);
}

function renderLink(link: ChainLink, index: number): string[] {
  const name = link.reference ?? link.digest ?? '(unnamed)';
  const flags = [link.trusted ? 'trusted base' : undefined, link.source === undefined ? undefined : `built from ${link.source}`].filter(Boolean).join(', ');
  const lines = [`  ${index}. ${name}${flags ? ` [${flags}]` : ''}`];
  if (link.digest !== undefined && link.digest !== link.reference) lines.push(`     digest: ${link.digest}`);
  if (index > 0) lines.push(`     evidence: ${link.evidence}: ${link.detail}`);
  for (const input of link.inputs ?? []) lines.push(`     also read: ${input.reference}@${input.digest}${input.trusted ? ' (trusted)' : ''}`);
  return lines;
}

/** Renders an audit report as text. */
export function renderAudit(report: AuditReport): string {
  const lines = [`${report.source.dockerfile} (context ${report.source.contextDir})`, `content digest: ${report.contentDigest} over ${report.files.length} files`, '', 'stages:'];
  for (const stage of report.stages) {
    const label = stage.name === null ? `#${stage.index}` : `${stage.name} (#${stage.index})`;
    const unresolved = stage.unresolved === null ? '' : ` (unresolved: ${stage.unresolved.join(', ')})`;
    lines.push(`  ${label} line ${stage.line}: FROM ${stage.base}${unresolved}${stage.reachable ? '' : ' [not built]'}`);
  }
  lines.push('', 'external images:');
  if (report.externalImages.length === 0) lines.push('  none');
  for (const image of report.externalImages) lines.push(`  line ${image.line} ${image.instruction}: ${image.reference}`);
  lines.push('', 'findings:');
  if (report.findings.length === 0) lines.push('  none');
  for (const finding of report.findings) lines.push(`  line ${finding.line} ${finding.severity} ${finding.id}: ${finding.message}`);

  lines.push('');
  if (report.approval === null) {
    lines.push('approval: never approved');
  } else {
    lines.push(`approval: ${report.approval.by} at ${report.approval.at} (${report.approval.digest})`);
    lines.push(report.changedSinceApproval ? 'changed since approval:' : 'unchanged since approval');
  }
  if (report.diff !== null) {
    for (const [label, paths] of [['added', report.diff.added], ['removed', report.diff.removed], ['changed', report.diff.changed]] as const) {
      for (const file of paths) lines.push(`  ${label} ${file}`);
    }
    if (report.diff.dockerfileDiff !== undefined) lines.push('', report.diff.dockerfileDiff.trimEnd());
  }
  lines.push(...renderWarnings(report.warnings));
  return sanitiseTerminalText(`${lines.join('\n')}\n`);
}

function renderWarnings(warnings: Warning[]): string[] {
  if (warnings.length === 0) return [];
  return ['', 'warnings:', ...warnings.map((warning) => `  - ${warning.message}`)];
}
