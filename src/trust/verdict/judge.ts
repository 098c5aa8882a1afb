import type { Digest } from '../../common/digest.js';
import type { Warning } from '../../common/errors.js';
import type { Chain, ChainLink } from '../chain/index.js';
import { identityOf, type CompiledPolicy } from '../policy/index.js';
import type { BuildRecord } from '../store.js';
import type { ApprovalDiff } from '../audit/index.js';
import type { BuildSource, SourceStatus } from './source.js';

/** The verdict on an image, from worst to best: `blocked`, `untrusted`, `unaudited`, `trusted`. */
export type VerdictKind = 'trusted' | 'unaudited' | 'untrusted' | 'blocked';

/** The state of one source that built a link of the chain. */
export interface SourceSummary {
  dockerfile: string;
  /** Whether the policy lists the source under `auditedSources`. */
  listed: boolean;
  approval: { by: string; at: string; digest: Digest } | null;
  /** Content digest recorded when the image was built. */
  builtFrom: Digest;
  /** Whether that digest is one an approval pinned. */
  builtFromApproved: boolean;
  currentDigest: Digest | null;
  changedSinceApproval: boolean | null;
  diff: ApprovalDiff | null;
  error: string | null;
}

export interface Verdict {
  target: string;
  verdict: VerdictKind;
  /** Sentences, the ones that decided the verdict first. */
  reasons: string[];
  chain: Chain;
  sources: SourceSummary[];
  warnings: Warning[];
}

const ORDER: VerdictKind[] = ['blocked', 'untrusted', 'unaudited', 'trusted'];

/** Reads the state of a source, once per source. */
export type SourceChecker = (source: BuildSource) => Promise<SourceStatus>;

/**
 * Judges a resolved chain. Every link up to the end must be a trusted base, or built from a
 * source the policy lists, from content an approval pinned, unchanged since its newest approval.
 * The chain must end in scratch or a trusted base. A blocked image anywhere in the chain, or
 * among the images a build read, blocks the target.
 */
export async function judgeChain(target: string, chain: Chain, policy: CompiledPolicy, checkSource: SourceChecker): Promise<Verdict> {
  const reasons: Record<VerdictKind, string[]> = { blocked: [], untrusted: [], unaudited: [], trusted: [] };
  const sources: SourceSummary[] = [];

  chain.links.forEach((link, index) => checkBlocked(link, index, policy, reasons));
  for (const [index, link] of chain.links.entries()) {
    const name = describeLink(link, index);
    if (link.trusted) {
      reasons.trusted.push(index === 0 ? `trusted base: ${name} matches the trusted base ${link.trustedBy}` : `${name} is a trusted base (${link.trustedBy})`);
      break;
    }
    for (const input of link.inputs ?? []) {
      if (!input.trusted) reasons.untrusted.push(`${input.reference}@${input.digest}, which the build of ${name} read, is not a trusted base`);
    }
    if (link.build !== undefined) {
      const summary = await summariseSource(link.build, policy, checkSource);
      sources.push(summary);
      judgeSource(name, summary, reasons);
    } else if (index === 0 && !(chain.links.length === 1 && chain.end === 'unknown')) {
      reasons.unaudited.push(`no build record ties ${name} to an audited source`);
    } else if (index > 0) {
      reasons.untrusted.push(`${name} is not a trusted base, and no build record ties it to an audited source`);
    }
  }

  const last = chain.links[chain.links.length - 1];
  if (chain.end === 'unknown') {
    reasons.untrusted.push(`the origin of ${last === undefined ? 'the image' : describeLink(last, chain.links.length - 1)} is unknown: no build record, verified base annotation or known layer prefix names its base`);
  } else if (chain.end === 'scratch' && !last?.trusted) {
    reasons.trusted.push('the chain ends in FROM scratch');
  }

  const verdict = ORDER.find((kind) => reasons[kind].length > 0) ?? 'untrusted';
  return { target, verdict, reasons: ORDER.flatMap((kind) => reasons[kind]), chain, sources, warnings: chain.warnings };
}

function checkBlocked(link: ChainLink, index: number, policy: CompiledPolicy, reasons: Record<VerdictKind, string[]>): void {
  const identity = identityOf(link.references.concat(link.reference ?? []), [link.digest, link.configDigest]);
  const entry = policy.blockedBy(identity);
  if (entry !== undefined) reasons.blocked.push(`${describeLink(link, index)} is blocked by "${entry.image}"${entry.reason ? `: ${entry.reason}` : ''}`);
  for (const input of link.inputs ?? []) {
    const blockedInput = policy.blockedBy(identityOf([input.reference], [input.digest]));
    if (blockedInput !== undefined) reasons.blocked.push(`${input.reference}, which the build of ${describeLink(link, index)} read, is blocked by "${blockedInput.image}"${blockedInput.reason ? `: ${blockedInput.reason}` : ''}`);
  }
}

async function summariseSource(build: BuildRecord, policy: CompiledPolicy, checkSource: SourceChecker): Promise<SourceSummary> {
  const status = await checkSource({ dockerfile: build.source, contextDir: build.contextDir });
  const latest = status.approvals[0];
  return {
    dockerfile: build.source,
    listed: policy.isAuditedSource(build.source, build.contextDir),
    approval: latest === undefined ? null : { by: latest.approvedBy, at: latest.approvedAt, digest: latest.contentDigest },
    builtFrom: build.contentDigest,
    builtFromApproved: status.approvals.some((approval) => approval.contentDigest === build.contentDigest),
    currentDigest: status.current?.digest ?? null,
    changedSinceApproval: status.changedSinceApproval ?? null,
    diff: status.diff ?? null,
    error: status.error ?? null,
  };
}

function judgeSource(name: string, summary: SourceSummary, reasons: Record<VerdictKind, string[]>): void {
  const source = summary.dockerfile;
  const before = reasons.unaudited.length;
  if (!summary.listed) reasons.unaudited.push(`${name} was built from ${source}, which the policy does not list under auditedSources`);
  if (summary.approval === null) {
    reasons.unaudited.push(`${name} was built from ${source}, which was never approved`);
  } else {
    if (!summary.builtFromApproved) reasons.unaudited.push(`${name} was built from content of ${source} (${summary.builtFrom}) that no approval pinned`);
    if (summary.error !== null) reasons.unaudited.push(`${source} cannot be read to check it against its approval: ${summary.error}`);
    if (summary.changedSinceApproval === true) reasons.unaudited.push(`${source} changed since ${summary.approval.by} approved it at ${summary.approval.at}: ${describeChanges(summary.diff)}`);
  }
  if (reasons.unaudited.length === before) {
    reasons.trusted.push(`${name} was built from ${source}, approved by ${summary.approval!.by} at ${summary.approval!.at} and unchanged since`);
  }
}

function describeChanges(diff: ApprovalDiff | null): string {
  if (diff === null) return 'the content digest differs';
  const parts = [
    diff.dockerfileDiff !== undefined ? 'the Dockerfile was edited' : undefined,
    diff.added.length > 0 ? `added ${diff.added.join(', ')}` : undefined,
    diff.removed.length > 0 ? `removed ${diff.removed.join(', ')}` : undefined,
    diff.changed.length > 0 ? `changed ${diff.changed.join(', ')}` : undefined,
  ].filter((part): part is string => part !== undefined);
  return parts.length === 0 ? 'the content digest differs' : parts.join('; ');
}

function describeLink(link: ChainLink, index: number): string {
  const name = link.reference ?? link.digest ?? 'an unnamed image';
  return index === 0 ? `image ${name}` : `base ${name}`;
}
