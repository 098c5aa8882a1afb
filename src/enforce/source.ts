import { readFile } from 'node:fs/promises';
import { isDigest, type Digest } from '../common/digest.js';
import { describeError } from '../common/errors.js';
import type { Store } from '../store/index.js';
import {
  analyseDockerfile,
  checkSource,
  confirmTrustedBase,
  compileRepositoryPattern,
  identityOf,
  listKnownImages,
  MAX_DOCKERFILE_LENGTH,
  type CompiledPolicy,
  type ExternalImage,
  type KnownImage,
} from '../trust/index.js';
import { VERDICTS, type BuildInput, type ImageJudge, type ImageResolver, type Judgement, type SourceJudge, type Verdict } from './types.js';

export interface SourceJudgeOptions {
  /** Judges bases that are not trusted bases themselves, such as images built from approved sources. */
  images?: { resolver: ImageResolver; judge: ImageJudge };
  signal?: AbortSignal;
}

/**
 * Judges a build source before it is built. The source is `trusted` when the policy lists it
 * under `auditedSources`, an approval pinned it, nothing changed since, and every image it
 * reads is trusted. A base the policy names counts as a trusted base only with a confirmed
 * digest, as in the trust module's chains, because a local tag can put any name on any image. It is `unaudited` when the listing or approval is missing or the approval
 * is stale, and `untrusted` or `blocked` by its worst base.
 */
export function trustSourceJudge(store: Store, policy: CompiledPolicy, options: SourceJudgeOptions = {}): SourceJudge {
  return {
    async judgeSource(source, signal) {
      const reasons: Record<Verdict, string[]> = { trusted: [], unaudited: [], untrusted: [], blocked: [] };
      const text = await approvalState(store, policy, source, reasons, signal ?? options.signal);
      if (text !== undefined) {
        const context: BaseContext = { store, policy, known: undefined, images: options.images, signal: signal ?? options.signal };
        await judgeBases(context, source, text, reasons);
      }

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

/** The policy, store and lookups for judging the images of one Dockerfile. `known` is read from the store on first use. */
interface BaseContext {
  store: Store;
  policy: CompiledPolicy;
  known: KnownImage[] | undefined;
  images: SourceJudgeOptions['images'];
  signal: AbortSignal | undefined;
}

async function judgeBases(context: BaseContext, source: BuildInput, text: string, reasons: Record<Verdict, string[]>): Promise<void> {
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
    await judgeBase(context, image, reasons);
  }
}

/**
 * Judges one image a Dockerfile reads: blocked by the policy, a trusted base confirmed by the
 * digest written in the Dockerfile, else by the image the name resolves to.
 */
async function judgeBase(context: BaseContext, image: ExternalImage, reasons: Record<Verdict, string[]>): Promise<void> {
  const where = `${image.instruction} on line ${image.line}`;
  if (image.unresolved !== undefined && image.unresolved.length > 0) {
    reasons.untrusted.push(`the image of ${where} depends on unset build arguments ${image.unresolved.join(', ')}, so it cannot be judged`);
    return;
  }
  const blocked = context.policy.blockedBy(identityOf([image.reference], [image.digest]));
  if (blocked !== undefined) {
    reasons.blocked.push(`${image.reference} (${where}) is blocked by "${blocked.image}"${blocked.reason ? `: ${blocked.reason}` : ''}`);
    return;
  }

  const pinned = image.digest !== undefined && isDigest(image.digest) ? await confirmWrittenDigest(context, image.reference, image.digest as Digest) : undefined;
  if (pinned !== undefined) {
    reasons.trusted.push(`${image.reference} (${where}) is a trusted base (${pinned}), confirmed by the digest in the Dockerfile`);
    return;
  }
  if (context.images === undefined) {
    reasons.untrusted.push(`${image.reference} (${where}) is not a confirmed trusted base${nameOnlyHint(context.policy, image.reference)}`);
    return;
  }
  try {
    await judgeResolvedBase(context, context.images, image, where, reasons);
  } catch (error) {
    reasons.untrusted.push(`${image.reference} (${where}) is not a confirmed trusted base and cannot be judged: ${describeError(error)}`);
  }
}

/**
 * Confirms a `FROM name@sha256:` base and returns the repository of its trusted-base entry. The
 * builder looks such a base up by its manifest digest, which `docker tag` cannot set, so the
 * digest names content. It must match a digest pin of the entry, or, for an entry without pins,
 * the manifest digest Bosun resolved from the registry.
 */
async function confirmWrittenDigest(context: BaseContext, reference: string, digest: Digest): Promise<string | undefined> {
  const claim = { references: [reference], configDigest: undefined, manifestDigest: digest, digestsVerified: true };
  return confirmTrustedBase(context.policy, await knownImages(context), claim)?.repository;
}

/**
 * Looks the base up (engine, then registry) and confirms it by its image ID (the config digest),
 * else judges its chain like any other image.
 */
async function judgeResolvedBase(
  context: BaseContext,
  images: NonNullable<SourceJudgeOptions['images']>,
  image: ExternalImage,
  where: string,
  reasons: Record<Verdict, string[]>,
): Promise<void> {
  const resolved = await images.resolver.resolveImage(image.reference, context.signal);
  if (resolved === undefined) {
    reasons.untrusted.push(`${image.reference} (${where}) is not a confirmed trusted base and cannot be found to judge it`);
    return;
  }
  // Engine RepoDigests are metadata a load can set, so only the config digest counts as content here.
  const claim = { references: resolved.references, configDigest: resolved.configDigest, manifestDigest: resolved.manifestDigest, digestsVerified: false };
  const base = confirmTrustedBase(context.policy, await knownImages(context), claim);
  if (base !== undefined) {
    reasons.trusted.push(`${image.reference} (${where}) is a trusted base (${base.repository}), confirmed by its image ID ${resolved.configDigest}`);
    return;
  }
  const judgement = await images.judge.judgeImage(resolved, context.signal);
  if (judgement.verdict === 'trusted') {
    reasons.trusted.push(`${image.reference} (${where}) is trusted: ${judgement.reasons[0] ?? ''}`);
    return;
  }
  const kind = judgement.verdict === 'blocked' ? 'blocked' : 'untrusted';
  reasons[kind].push(`${image.reference} (${where}) is ${judgement.verdict}: ${judgement.reasons[0] ?? 'no reason given'}`);
}

async function knownImages(context: BaseContext): Promise<KnownImage[]> {
  context.known ??= await listKnownImages(context.store);
  return context.known;
}

/** Explains why a base the policy names is still not trusted: its name alone confirms nothing. */
function nameOnlyHint(policy: CompiledPolicy, reference: string): string {
  const names = identityOf([reference], []).names.map((entry) => entry.name);
  const entry = policy.loaded.policy.trustedBases.find((base) => {
    const pattern = compileRepositoryPattern(base.repository);
    return names.some((name) => pattern.test(name));
  });
  if (entry === undefined) return '';
  return `: its name matches the trusted base ${entry.repository}, but a name alone does not confirm it; name the base by a pinned digest (FROM ${entry.repository}@sha256:…)`;
}
