import type { Digest } from '../../common/digest.js';
import { describeError, type Warning } from '../../common/errors.js';
import { parseReference } from '../../image/reference.js';
import type { CompiledPolicy } from '../policy/index.js';
import type { BuildRecord, KnownImage, PinnedImage } from '../store.js';
import { confirmTrustedBase } from './confirm.js';
import { factsOfKnown, type ImageFacts } from './facts.js';

/** The kind of evidence that ties a link to the one before it. */
export type LinkEvidence = 'target' | 'build-record' | 'annotation' | 'layer-prefix' | 'identical';

/** An image a build read besides its parent (`COPY --from`, other stages' bases). */
export interface ChainInput {
  reference: string;
  digest: Digest;
  trusted: boolean;
}

/** One image of a chain: the target first, then each base. */
export interface ChainLink {
  reference: string | undefined;
  /** Every reference the image is known under. */
  references: string[];
  /** The manifest digest when known, else the config digest. */
  digest: Digest | undefined;
  configDigest: Digest | undefined;
  /** Number of layers; undefined when the image could not be read. */
  layers: number | undefined;
  evidence: LinkEvidence;
  /** Sentence that names the evidence tying this image to the one before it. */
  detail: string;
  /** The Dockerfile that built this image, from a build record. */
  source?: string;
  build?: BuildRecord;
  inputs?: ChainInput[];
  trusted?: boolean;
  /** The `repository` of the trusted-base entry the image matched. */
  trustedBy?: string;
}

/** End of a chain: `FROM scratch`, a trusted base, or an image whose origin is not known. */
export type ChainEnd = 'scratch' | 'trusted-base' | 'unknown';

export interface Chain {
  links: ChainLink[];
  end: ChainEnd;
  warnings: Warning[];
}

/** Sources of evidence for chain resolution. */
export interface ChainContext {
  policy: CompiledPolicy;
  /** Images that may be bases: trusted bases, scanned images, images the user added. */
  known: KnownImage[];
  findBuild(digests: { configDigest: Digest; manifestDigest?: Digest | undefined }): Promise<BuildRecord | undefined>;
  /** Opens a base by reference (`name@digest`); unset means offline. */
  openBase?(reference: string): Promise<ImageFacts>;
  /** Most links followed; a longer chain ends as `unknown`. Default 64. */
  maxDepth?: number;
}

/** An image on the way up the chain; `facts` is missing when the image could not be read. */
interface Node {
  facts: ImageFacts | undefined;
  reference: string | undefined;
  digest: Digest | undefined;
  evidence: LinkEvidence;
  detail: string;
}

type ParentStep = { kind: 'scratch'; detail: string } | { kind: 'none' } | { kind: 'parent'; node: Node };

const BASE_NAME_ANNOTATION = 'org.opencontainers.image.base.name';
const BASE_DIGEST_ANNOTATION = 'org.opencontainers.image.base.digest';
const DEFAULT_MAX_DEPTH = 64;

/**
 * Resolves the chain of bases of an image as far as evidence allows. For each image it tries,
 * in order: a build record for its digest, the OCI base annotations (accepted only when the
 * named base's layers are a prefix of this image's), and the longest known layer prefix. The
 * walk stops at a trusted base, at `FROM scratch`, or where no evidence remains.
 */
export async function resolveChain(target: ImageFacts, context: ChainContext): Promise<Chain> {
  const warnings: Warning[] = [];
  const links: ChainLink[] = [];
  const visited = new Set<string>();
  let node: Node = { facts: identify(target, context.known), reference: target.target, digest: undefined, evidence: 'target', detail: `the image ${target.target}` };

  for (;;) {
    if (links.length >= (context.maxDepth ?? DEFAULT_MAX_DEPTH)) {
      warnings.push({ code: 'trust.chain_too_long', message: `the chain has more than ${context.maxDepth ?? DEFAULT_MAX_DEPTH} links; the rest is not followed` });
      return { links, end: 'unknown', warnings };
    }
    const link = await describeNode(node, context);
    links.push(link);
    const key = link.configDigest ?? link.digest ?? link.reference ?? '';
    if (visited.has(key)) {
      warnings.push({ code: 'trust.chain_cycle', message: `the chain returns to ${link.reference ?? key}; the evidence is contradictory` });
      return { links, end: 'unknown', warnings };
    }
    visited.add(key);

    if (link.trusted) {
      // A trusted base ends the chain. Whether it has a known parent only decides how the end reads.
      const parent = await findParent(node, link.build, { ...context, openBase: undefined }, visited, []);
      return { links, end: parent.kind === 'parent' ? 'trusted-base' : 'scratch', warnings };
    }
    const step = await findParent(node, link.build, context, visited, warnings);
    if (step.kind === 'scratch') return { links, end: 'scratch', warnings };
    if (step.kind === 'none') return { links, end: 'unknown', warnings };
    node = step.node;
  }
}

/** Adds the references of every known image with the same config digest or manifest digest. */
function identify(facts: ImageFacts, known: KnownImage[]): ImageFacts {
  const same = known.filter((image) => image.configDigest === facts.configDigest || (facts.manifestDigest !== undefined && image.manifestDigest === facts.manifestDigest));
  if (same.length === 0) return facts;
  const references = new Set([...facts.references, ...same.flatMap((image) => image.references)]);
  return { ...facts, references: [...references].sort(), manifestDigest: facts.manifestDigest ?? same.find((image) => image.manifestDigest)?.manifestDigest };
}

async function describeNode(node: Node, context: ChainContext): Promise<ChainLink> {
  const facts = node.facts;
  const references = facts?.references ?? (node.reference === undefined ? [] : [node.reference]);
  const trustedBase = confirmTrustedBase(context.policy, context.known, {
    references: referencesWithDigest(references, node),
    configDigest: facts?.configDigest,
    manifestDigest: facts?.manifestDigest,
    digestsVerified: facts?.digestsVerified === true,
    recordedDigests: node.evidence === 'build-record' && node.digest !== undefined ? [node.digest] : [],
  });
  const build = facts !== undefined
    ? await context.findBuild({ configDigest: facts.configDigest, manifestDigest: facts.manifestDigest })
    : node.digest === undefined ? undefined : await context.findBuild({ configDigest: node.digest, manifestDigest: node.digest });

  const link: ChainLink = {
    reference: node.reference ?? references[0],
    references,
    digest: facts?.manifestDigest ?? node.digest ?? facts?.configDigest,
    configDigest: facts?.configDigest,
    layers: facts?.diffIds.length,
    evidence: node.evidence,
    detail: node.detail,
  };
  if (build !== undefined) {
    link.source = build.source;
    link.build = build;
    link.inputs = build.bases.filter((base) => build.parent === null || base.digest !== build.parent.digest).map((base) => describeInput(base, context));
  }
  if (trustedBase !== undefined) {
    link.trusted = true;
    link.trustedBy = trustedBase.repository;
  } else {
    link.trusted = false;
  }
  return link;
}

/** Adds `name@digest` for a base read from evidence only, so that digest pins can match by name. */
function referencesWithDigest(references: string[], node: Node): string[] {
  if (node.digest === undefined || node.reference === undefined) return references;
  const name = nameOf(node.reference);
  return name === undefined ? references : [...references, `${name}@${node.digest}`];
}

// TODO: an input built from an audited source counts only when it is a trusted base; its own chain is not resolved.
function describeInput(base: PinnedImage, context: ChainContext): ChainInput {
  const known = findKnownByDigest(context.known, base.digest);
  const name = nameOf(base.reference);
  const references = [base.reference, ...(name === undefined ? [] : [`${name}@${base.digest}`]), ...(known?.references ?? [])];
  const claim = { references, configDigest: known?.configDigest, manifestDigest: known?.manifestDigest, digestsVerified: known?.origin === 'trusted-base', recordedDigests: [base.digest] };
  return { reference: base.reference, digest: base.digest, trusted: confirmTrustedBase(context.policy, context.known, claim) !== undefined };
}

async function findParent(node: Node, build: BuildRecord | undefined, context: ChainContext, visited: Set<string>, warnings: Warning[]): Promise<ParentStep> {
  if (build !== undefined) {
    const step = await parentFromBuild(node, build, context, warnings);
    if (step !== undefined) return step;
  }
  const facts = node.facts;
  if (facts === undefined) return { kind: 'none' };

  const annotated = await parentFromAnnotations(facts, context, warnings);
  if (annotated !== undefined) return annotated;
  return parentFromLayers(node, facts, context, visited);
}

async function parentFromBuild(node: Node, build: BuildRecord, context: ChainContext, warnings: Warning[]): Promise<ParentStep | undefined> {
  if (build.parent === null) return { kind: 'scratch', detail: `build record ${build.id} shows ${build.source} starts FROM scratch` };
  const parent = build.parent;
  const detail = `build record ${build.id}: ${build.source} was built FROM ${parent.reference}@${parent.digest}`;
  const facts = await factsForDigest(parent.reference, parent.digest, context, warnings);
  if (facts !== undefined && node.facts !== undefined && !isPrefix(facts.diffIds, node.facts.diffIds)) {
    warnings.push({ code: 'trust.build_record_mismatch', message: `build record ${build.id} names ${parent.reference}@${parent.digest} as parent, but its layers are not a prefix of ${node.reference ?? 'the image'}; the record is ignored` });
    return undefined;
  }
  return { kind: 'parent', node: { facts, reference: parent.reference, digest: parent.digest, evidence: 'build-record', detail } };
}

/**
 * Finds the base named by `org.opencontainers.image.base.name` and `.base.digest`. Annotations are
 * text the image's author wrote, so they count only when the named base can be read and its
 * layers are a prefix of this image's.
 */
async function parentFromAnnotations(facts: ImageFacts, context: ChainContext, warnings: Warning[]): Promise<ParentStep | undefined> {
  const name = facts.annotations[BASE_NAME_ANNOTATION];
  const digest = facts.annotations[BASE_DIGEST_ANNOTATION];
  if (digest === undefined) return undefined;
  if (!/^sha256:[a-f0-9]{64}$/.test(digest)) {
    warnings.push({ code: 'trust.annotation_invalid', message: `${BASE_DIGEST_ANNOTATION} of ${facts.target} is not a digest; it is ignored` });
    return undefined;
  }
  const base = await factsForDigest(name, digest as Digest, context, warnings);
  if (base === undefined) {
    warnings.push({ code: 'trust.annotation_unverified', message: `base ${name ?? ''}@${digest} named by the annotations of ${facts.target} cannot be read, so its layers cannot be checked; the annotation is ignored` });
    return undefined;
  }
  if (!isPrefix(base.diffIds, facts.diffIds) || base.configDigest === facts.configDigest) {
    warnings.push({ code: 'trust.annotation_mismatch', message: `the layers of base ${name ?? ''}@${digest} named by the annotations of ${facts.target} are not a prefix of its layers; the annotation is ignored` });
    return undefined;
  }
  const reference = name ?? base.references[0];
  const detail = `${BASE_NAME_ANNOTATION}=${name ?? '(unset)'} and ${BASE_DIGEST_ANNOTATION}=${digest}, and the base's layers are a prefix of this image's: ${base.diffIds.length} of ${facts.diffIds.length}`;
  return { kind: 'parent', node: { facts: base, reference, digest: digest as Digest, evidence: 'annotation', detail } };
}

/**
 * Finds the known image whose layers are the longest prefix of this image's. An image with the same
 * layers but another config is taken as the parent (`identical`): it changes only metadata, such
 * as the entrypoint, so it is not the known image itself. Ties go to trusted bases first.
 */
function parentFromLayers(node: Node, facts: ImageFacts, context: ChainContext, visited: Set<string>): ParentStep {
  const allowSameLength = node.evidence !== 'identical';
  const candidates = context.known.filter((image) => {
    if (image.diffIds.length === 0 || visited.has(image.configDigest) || image.configDigest === facts.configDigest) return false;
    if (image.diffIds.length === facts.diffIds.length && !allowSameLength) return false;
    return isPrefix(image.diffIds, facts.diffIds);
  });
  if (candidates.length === 0) return { kind: 'none' };

  const longest = Math.max(...candidates.map((image) => image.diffIds.length));
  const best = candidates
    .filter((image) => image.diffIds.length === longest)
    .sort((a, b) => rank(a, context) - rank(b, context) || (a.configDigest < b.configDigest ? -1 : 1))[0]!;
  const identical = longest === facts.diffIds.length;
  const detail = identical
    ? `the image has the same layers (${longest}) as ${best.references[0] ?? best.configDigest} and differs only in its config`
    : `its layers are the longest known prefix of this image's: ${longest} of ${facts.diffIds.length}`;
  const baseFacts = factsOfKnown(best);
  return { kind: 'parent', node: { facts: baseFacts, reference: best.references[0], digest: best.manifestDigest ?? best.configDigest, evidence: identical ? 'identical' : 'layer-prefix', detail } };
}

function rank(image: KnownImage, context: ChainContext): number {
  const claim = { references: image.references, configDigest: image.configDigest, manifestDigest: image.manifestDigest, digestsVerified: image.origin === 'trusted-base' };
  if (confirmTrustedBase(context.policy, context.known, claim) !== undefined) return 0;
  if (image.origin === 'trusted-base') return 1;
  if (image.origin === 'user') return 2;
  return 3;
}

/** Reads an image by digest: from the known images, else through `openBase`. */
async function factsForDigest(reference: string | undefined, digest: Digest, context: ChainContext, warnings: Warning[]): Promise<ImageFacts | undefined> {
  const known = findKnownByDigest(context.known, digest);
  if (known !== undefined) return factsOfKnown(known);
  const name = reference === undefined ? undefined : nameOf(reference);
  if (name === undefined || context.openBase === undefined) return undefined;
  try {
    return await context.openBase(`${name}@${digest}`);
  } catch (error) {
    warnings.push({ code: 'trust.base_unreadable', message: `cannot read base ${name}@${digest}: ${describeError(error)}` });
    return undefined;
  }
}

function findKnownByDigest(known: KnownImage[], digest: Digest): KnownImage | undefined {
  return known.find((image) => image.manifestDigest === digest || image.configDigest === digest || image.references.some((reference) => reference.endsWith(`@${digest}`)));
}

/** `registry/repository` of a reference, or undefined when it is not one. */
function nameOf(reference: string): string | undefined {
  try {
    return parseReference(reference, { defaultTag: null }).name;
  } catch {
    return undefined;
  }
}

function isPrefix(prefix: readonly string[], of: readonly string[]): boolean {
  return prefix.length <= of.length && prefix.every((value, index) => of[index] === value);
}
