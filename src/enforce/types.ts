import type { Digest } from '../common/digest.js';

/**
 * The trust verdict of an image, as the trust module reaches it: `trusted` (the FROM chain
 * ends at a trusted base or an approved build), `unaudited` (built from a source that was
 * never approved), `untrusted` (the chain ends at an image the policy does not trust) and
 * `blocked` (the policy names the image in `blocked`).
 */
export type Verdict = 'trusted' | 'unaudited' | 'untrusted' | 'blocked';

/** Every verdict, in order from best to worst. */
export const VERDICTS: readonly Verdict[] = ['trusted', 'unaudited', 'untrusted', 'blocked'];

/** An image as the engine stores it, resolved before it is judged. */
export interface ResolvedImage {
  /** The image as the request or the compose file names it. */
  target: string;
  /** Normalised `repo:tag` and `repo@digest` references the engine lists for it. */
  references: string[];
  /** The image ID: the digest of the image config. */
  configDigest: Digest;
  /** The manifest digest, when every RepoDigest names the same one. */
  manifestDigest: Digest | undefined;
  /** Uncompressed layer digests, base layer first. */
  diffIds: string[];
  /** Config labels. */
  annotations: Record<string, string>;
}

/** The outcome of judging one image or build source. */
export interface Judgement {
  verdict: Verdict;
  /** Why, most important first, as sentences a user can act on. */
  reasons: string[];
  /** The FROM chain, target first, as references or digests; empty when not resolved. */
  chain: string[];
}

/**
 * Reaches a trust verdict for an image from the policy and the trust evidence. An
 * implementation throws when it cannot reach a verdict (an unreadable store, a timeout), and
 * the caller then acts by `failClosed`.
 */
export interface ImageJudge {
  judgeImage(image: ResolvedImage, signal?: AbortSignal): Promise<Judgement>;
}

/** A build source in a compose file: a Dockerfile and the context it is built with. */
export interface BuildInput {
  /** Absolute path of the build context directory. */
  contextDir: string;
  /** Absolute path of the Dockerfile. */
  dockerfile: string;
  /** Build arguments with values, as the compose file sets them. */
  args: Record<string, string>;
  /** The stage to build, when the compose file names one. */
  target: string | undefined;
}

/** Judges a build source: is it approved and unchanged since, and are its bases trusted? */
export interface SourceJudge {
  judgeSource(source: BuildInput, signal?: AbortSignal): Promise<Judgement>;
}

/** Enforcement settings, from the policy file's `mode` and `failClosed`. */
export interface EnforcementSettings {
  /** `enforce` rejects what the policy rejects; `warn` allows it and logs the would-be denial. */
  mode: 'enforce' | 'warn';
  /** Whether a request is rejected when no verdict can be reached. */
  failClosed: boolean;
}

/** Reports whether a verdict lets an image run: only `trusted` does. */
export function verdictAllows(verdict: Verdict): boolean {
  return verdict === 'trusted';
}

/**
 * Looks an image up where it will run. Returns undefined when the image is not there (the
 * engine then rejects the create itself); throws when the lookup fails.
 */
export interface ImageResolver {
  resolveImage(image: string, signal?: AbortSignal): Promise<ResolvedImage | undefined>;
}
