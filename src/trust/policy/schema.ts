import { z } from 'zod';
import { isDigest } from '../../common/digest.js';
import { describeError } from '../../common/errors.js';
import { compileImagePattern, compileRepositoryPattern } from './pattern.js';

/** Tags as the distribution reference grammar allows them. */
const TAG_PATTERN = /^[\w][\w.-]{0,127}$/;

const repositoryField = z.string().superRefine((value, context) => {
  try {
    compileRepositoryPattern(value);
  } catch (error) {
    context.addIssue({ code: 'custom', message: describeError(error) });
  }
});

const imagePatternField = z.string().superRefine((value, context) => {
  try {
    compileImagePattern(value);
  } catch (error) {
    context.addIssue({ code: 'custom', message: describeError(error) });
  }
});

const digestField = z.string().refine(isDigest, { message: 'expected a digest: sha256:<64 hex digits>' });

/** One trusted base: a repository (or glob), the tags to resolve, and optional digest pins. */
export const trustedBaseSchema = z.strictObject({
  repository: repositoryField,
  /** Tags to resolve in the registry to learn the base's layers. Not a restriction on trust. */
  tags: z.array(z.string().regex(TAG_PATTERN, 'expected a tag such as bookworm or 1.27')).max(100).optional(),
  /** When set, only images with one of these digests (manifest, index or config) are trusted. */
  digests: z.array(digestField).max(1000).optional(),
  note: z.string().max(4096).optional(),
});

export const blockedImageSchema = z.strictObject({
  image: imagePatternField,
  reason: z.string().max(4096).optional(),
});

/** The trust policy file, as written. */
export const policySchema = z.strictObject({
  trustedBases: z.array(trustedBaseSchema).max(10_000).default([]),
  blocked: z.array(blockedImageSchema).max(10_000).default([]),
  /** Dockerfiles or build directories, relative to the policy file. */
  auditedSources: z.array(z.string().min(1)).max(10_000).default([]),
  /** `enforce` rejects what is not trusted; `warn` only reports it. Read by enforcement. */
  mode: z.enum(['enforce', 'warn']).default('enforce'),
  /** Whether enforcement rejects when Bosun cannot reach a verdict (an error, a timeout). */
  failClosed: z.boolean().default(true),
});

export type TrustedBase = z.infer<typeof trustedBaseSchema>;
export type BlockedImage = z.infer<typeof blockedImageSchema>;
export type Policy = z.infer<typeof policySchema>;
