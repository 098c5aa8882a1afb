import { truncate } from '../../common/digest.js';
import { describeError } from '../../common/errors.js';
import { logger, type Logger } from '../../common/log.js';
import { verdictAllows, type EnforcementSettings, type ImageJudge, type ImageResolver, type Judgement, type ResolvedImage } from '../types.js';
import { VerdictCache } from './cache.js';
import { classifyRequest, type JudgedAction } from './classify.js';
import { allow, authzRequestSchema, deny, type AuthzResponse } from './protocol.js';

export interface AuthorizerOptions {
  judge: ImageJudge;
  resolver: ImageResolver;
  settings: EnforcementSettings;
  cache?: VerdictCache;
  /** Milliseconds one decision may take. The daemon's plugin client gives up after 30 s. Default 10 000. */
  timeoutMs?: number;
  log?: Logger;
}

/** How many reasons a denial message lists; the CLI prints the message on one line. */
const REASONS_SHOWN = 3;

/**
 * Decides `AuthZReq` requests. `authorizeRequest` does not throw. A request it cannot judge is
 * denied when the settings fail closed and allowed otherwise, and logged either way.
 */
export class Authorizer {
  private readonly cache: VerdictCache;
  private readonly log: Logger;

  constructor(private readonly options: AuthorizerOptions) {
    this.cache = options.cache ?? new VerdictCache();
    this.log = options.log ?? logger('enforce.authz');
  }

  async authorizeRequest(body: unknown): Promise<AuthzResponse> {
    const parsed = authzRequestSchema.safeParse(body);
    if (!parsed.success) return this.unjudgeable(undefined, undefined, 'the AuthZReq body is not a plugin request', undefined);

    const request = parsed.data;
    const classified = classifyRequest(request);
    if (classified.kind === 'allow') return allow();
    if (classified.kind === 'unreadable') return this.unjudgeable(classified.action, undefined, classified.reason, request.User);

    const signal = AbortSignal.timeout(this.options.timeoutMs ?? 10_000);
    let image: ResolvedImage | undefined;
    let judgement: Judgement;
    try {
      image = await this.options.resolver.resolveImage(classified.image, signal);
      if (image === undefined) {
        this.log.info({ action: classified.action, image: classified.image, user: request.User, allowed: true }, 'image not on the engine; the engine rejects the request itself');
        return allow();
      }
      judgement = await this.judge(image, signal);
    } catch (error) {
      return this.unjudgeable(classified.action, classified.image, describeError(error), request.User);
    }
    return this.decide(classified.action, image, judgement, request.User);
  }

  private async judge(image: ResolvedImage, signal: AbortSignal): Promise<Judgement> {
    const cached = this.cache.get(image.configDigest);
    if (cached !== undefined) return cached;
    const judgement = await this.options.judge.judgeImage(image, signal);
    this.cache.set(image.configDigest, judgement);
    return judgement;
  }

  private decide(action: JudgedAction, image: ResolvedImage, judgement: Judgement, user: string | undefined): AuthzResponse {
    const fields = { action, image: image.target, digest: image.configDigest, verdict: judgement.verdict, user, reasons: judgement.reasons.slice(0, REASONS_SHOWN) };
    if (verdictAllows(judgement.verdict)) {
      this.log.info({ ...fields, allowed: true }, 'request allowed');
      return allow();
    }
    const message = denialMessage(image, judgement);
    if (this.options.settings.mode === 'warn') {
      this.log.warn({ ...fields, allowed: true, mode: 'warn' }, 'request allowed in warn mode; enforce mode would deny it');
      return allow(message);
    }
    this.log.info({ ...fields, allowed: false }, 'request denied');
    return deny(message);
  }

  private unjudgeable(action: JudgedAction | undefined, image: string | undefined, reason: string, user: string | undefined): AuthzResponse {
    const failClosed = this.options.settings.failClosed;
    const fields = { action, image, user, reason, allowed: !failClosed, failClosed };
    const subject = image === undefined ? `the ${action ?? 'request'}` : `image ${truncate(image, 200)}`;
    if (!failClosed) {
      this.log.warn(fields, 'cannot judge the request; allowed because failClosed is false');
      return allow();
    }
    this.log.warn(fields, 'cannot judge the request; denied because failClosed is true');
    return deny(`bosun: cannot judge ${subject}: ${truncate(reason, 300)}; denied because the policy fails closed`);
  }
}

/** Formats the message the Docker CLI prints: image, digest, verdict and the first reasons. */
export function denialMessage(image: ResolvedImage, judgement: Judgement): string {
  const digest = image.configDigest.slice(0, 19);
  const reasons = judgement.reasons.slice(0, REASONS_SHOWN).map((reason) => truncate(reason, 200));
  const more = judgement.reasons.length > REASONS_SHOWN ? ` (and ${judgement.reasons.length - REASONS_SHOWN} more)` : '';
  const because = reasons.length === 0 ? '' : `: ${reasons.join('; ')}${more}`;
  return `bosun: image ${truncate(image.target, 200)} (${digest}) is ${judgement.verdict}${because}`;
}
