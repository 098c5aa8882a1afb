import { readFile } from 'node:fs/promises';
import { describeError } from '../common/errors.js';
import type { Store } from '../store/index.js';
import { analyseDockerfile, checkSource, identityOf, MAX_DOCKERFILE_LENGTH, type CompiledPolicy, type ExternalImage } from '../trust/index.js';
import { VERDICTS, type BuildInput, type ImageJudge, type ImageResolver, type Judgement, type SourceJudge, type Verdict } from './types.js';

export interface SourceJudgeOptions {
  /** Judges bases that are not trusted bases themselves, such as images built from approved sources. */
  images?: { resolver: ImageResolver; judge: ImageJudge };
  signal?: AbortSignal;
}

/**
 * Judges a build source before it is built. The source is `trusted` when the policy lists it
 * under `auditedSources`, an approval pinned it, nothing changed since, and every image it
 * reads is trusted. It is `unaudited` when the listing or approval is missing or the approval
 * is stale, and `untrusted` or `blocked` by its worst base.
 */
export function trustSourceJudge(store: Store, policy: CompiledPolicy, options: SourceJudgeOptions = {}): SourceJudge {
  return {
    async judgeSource(source, signal) {
      const reasons: Record<Verdict, string[]> = { trusted: [], unaudited: [], untrusted: [], blocked: [] };
      const text = await approvalState(store, policy, source, reasons, signal ?? options.signal);
      if (text !== undefined) await judgeBases(policy, source, text, reasons, options.images, signal ?? options.signal);

      const verdict = [...VERDICTS].reverse().find((kind) => kind !== 'trusted' && reasons[kind].length > 0) ?? 'trusted';
      const ordered = [...VERDICTS].reverse().flatMap((kind) => reasons[kind]);
      return { verdict, reasons: ordered, chain: [source.dockerfile] } satisfies Judgement;
    },
  };
}

/** Checks listing and approval; returns the Dockerfile text when it can be read. */
async function approvalState(store: Store, policy: CompiledPolicy, source: BuildInput, reasons: Record<Verdict, string[]>, signal: AbortSignal | undefined): Promise<string | undefined> {
  if (!policy.isAuditedSource(source.dockerfile, source.contextDir)) {
    reasons.unaudited.push(`${source.dockerfile} is not listed under auditedSources in the policy`);
  }
  const status = await checkSource(store, { dockerfile: source.dockerfile, contextDir: source.contextDir }, { buildArgs: source.args, signal });
  const latest = status.approvals[0];
  if (status.error !== undefined) reasons.unaudited.push(`${source.dockerfile} cannot be read: ${status.error}`);
  if (latest === undefined) {
    reasons.unaudited.push(`${source.dockerfile} was never approved; review it with bosun audit and approve it`);
  } else if (status.changedSinceApproval === true) {
    const changed = status.diff === undefined ? [] : [...status.diff.added, ...status.diff.removed, ...status.diff.changed];
    const detail = changed.length === 0 ? 'the content digest differs' : `files differ: ${changed.slice(0, 5).join(', ')}${changed.length > 5 ? ', …' : ''}`;
    reasons.unaudited.push(`${source.dockerfile} changed since ${latest.approvedBy} approved it at ${latest.approvedAt} (${detail})`);
  } else if (status.changedSinceApproval === false) {
    reasons.trusted.push(`${source.dockerfile} is unchanged since ${latest.approvedBy} approved it at ${latest.approvedAt}`);
  }
  if (status.current !== undefined) return status.current.dockerfile.text;
  return readFile(source.dockerfile, 'utf8').then(
    (text) => (text.length > MAX_DOCKERFILE_LENGTH ? undefined : text),
    () => undefined,
  );
}

async function judgeBases(
  policy: CompiledPolicy,
  source: BuildInput,
  text: string,
  reasons: Record<Verdict, string[]>,
  images: SourceJudgeOptions['images'],
  signal: AbortSignal | undefined,
): Promise<void> {
  let analysis;
  try {
    analysis = analyseDockerfile(text, { buildArgs: source.args, target: source.target });
  } catch (error) {
    reasons.untrusted.push(`${source.dockerfile} cannot be analysed: ${describeError(error)}`);
    return;
  }
  const reachable = new Set(analysis.stages.filter((stage) => stage.reachable).map((stage) => stage.index));
  const seen = new Set<string>();
  for (const image of analysis.externalImages) {
    if (!reachable.has(image.stage) || seen.has(image.reference)) continue;
    seen.add(image.reference);
    await judgeBase(policy, image, reasons, images, signal);
  }
}

async function judgeBase(policy: CompiledPolicy, image: ExternalImage, reasons: Record<Verdict, string[]>, images: SourceJudgeOptions['images'], signal: AbortSignal | undefined): Promise<void> {
  const where = `${image.instruction} on line ${image.line}`;
  if (image.unresolved !== undefined && image.unresolved.length > 0) {
    reasons.untrusted.push(`the image of ${where} depends on unset build arguments ${image.unresolved.join(', ')}, so it cannot be judged`);
    return;
  }
  const identity = identityOf([image.reference], [image.digest]);
  const blocked = policy.blockedBy(identity);
  if (blocked !== undefined) {
    reasons.blocked.push(`${image.reference} (${where}) is blocked by "${blocked.image}"${blocked.reason ? `: ${blocked.reason}` : ''}`);
    return;
  }
  const base = policy.trustedBaseFor(identity);
  if (base !== undefined) {
    reasons.trusted.push(`${image.reference} (${where}) is a trusted base (${base.repository})`);
    return;
  }
  if (images === undefined) {
    reasons.untrusted.push(`${image.reference} (${where}) is not a trusted base`);
    return;
  }
  try {
    const resolved = await images.resolver.resolveImage(image.reference, signal);
    if (resolved === undefined) {
      reasons.untrusted.push(`${image.reference} (${where}) is not a trusted base and cannot be found to judge it`);
      return;
    }
    const judgement = await images.judge.judgeImage(resolved, signal);
    if (judgement.verdict === 'trusted') reasons.trusted.push(`${image.reference} (${where}) is trusted: ${judgement.reasons[0] ?? ''}`);
    else reasons[judgement.verdict === 'blocked' ? 'blocked' : 'untrusted'].push(`${image.reference} (${where}) is ${judgement.verdict}: ${judgement.reasons[0] ?? 'no reason given'}`);
  } catch (error) {
    reasons.untrusted.push(`${image.reference} (${where}) is not a trusted base and cannot be judged: ${describeError(error)}`);
  }
}
