import type { StagedInstruction } from '../stages.js';
import type { Stage } from '../types.js';
import type { AuditRule, RuleContext, RuleHit } from './types.js';

export const unpinnedDigestRule: AuditRule = {
  id: 'BOSUN-DF003',
  severity: 'low',
  why: 'A tag can be moved to different content at any time; only a digest names fixed content, so an approval of this build does not cover what a later build pulls.',
  check(context) {
    return context.allExternalImages
      .filter((image) => image.unresolved === undefined && image.digest === undefined)
      .map((image) => ({ line: image.line, message: `${image.instruction} uses ${image.reference} without a digest` }));
  },
};

export const latestTagRule: AuditRule = {
  id: 'BOSUN-DF004',
  severity: 'medium',
  why: '"latest" (also what a missing tag means) follows every new release, including major versions, so the next build can get a very different base.',
  check(context) {
    return context.allExternalImages
      .filter((image) => image.unresolved === undefined && image.digest === undefined && image.tag === 'latest')
      .map((image) => ({ line: image.line, message: `${image.instruction} uses ${image.reference}: the "latest" tag, written or implied` }));
  },
};

const ROOT_USER = /^(?:root|0)(?::.*)?$/;

export const rootUserRule: AuditRule = {
  id: 'BOSUN-DF005',
  severity: 'medium',
  why: 'Processes in the container run as root, so a compromise of the application gives root inside the container and makes any container escape worse.',
  check(context) {
    const chain = stageChain(context.stages, context.targetStage);
    const users = context.instructions.filter((staged) => chain.includes(staged.stage) && staged.instruction.keyword === 'USER');
    const last = lastInChainOrder(users, chain);
    if (last) {
      const user = last.instruction.args[0] ?? '';
      if (!ROOT_USER.test(user)) return [];
      return [{ line: last.instruction.line, message: `the final stage runs as ${user}` }];
    }
    const target = context.stages[context.targetStage]!;
    return [noUserHit(target, context)];
  },
};

/** Lists the target stage and the stages it starts FROM, root first. */
function stageChain(stages: Stage[], target: number): number[] {
  const chain: number[] = [];
  let stage: Stage | undefined = stages[target];
  while (stage) {
    chain.unshift(stage.index);
    stage = stage.base.kind === 'stage' ? stages[stage.base.index] : undefined;
  }
  return chain;
}

function lastInChainOrder(users: StagedInstruction[], chain: number[]): StagedInstruction | undefined {
  const sorted = [...users].sort((a, b) => chain.indexOf(a.stage) - chain.indexOf(b.stage));
  return sorted[sorted.length - 1];
}

function noUserHit(target: Stage, context: RuleContext): RuleHit {
  const root = context.stages[stageChain(context.stages, target.index)[0]!]!;
  const from = root.base.kind === 'scratch' ? 'scratch, which has no user but root' : "the base image's user, root unless the base sets another";
  return { line: target.line, message: `the final stage sets no USER and runs as ${from}` };
}
