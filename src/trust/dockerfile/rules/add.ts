import { withKeyword, type ParsedInstruction } from '../instruction.js';
import { expandedCopySources } from '../stages.js';
import type { AuditRule, RuleHit } from './types.js';

const REMOTE = /^(?:https?:\/\/|git@|git:\/\/)/i;
/** Archive formats ADD unpacks when the source is a local file. */
const ARCHIVE = /\.(?:tar|tar\.gz|tgz|tar\.bz2|tbz2?|tar\.xz|txz|tar\.zst)$/i;

function localAddSources(context: Parameters<AuditRule['check']>[0]): Array<{ add: ParsedInstruction; source: string }> {
  const found: Array<{ add: ParsedInstruction; source: string }> = [];
  for (const staged of context.instructions) {
    const add = withKeyword(staged.instruction, 'ADD');
    if (staged.inheritedTrigger || !add) continue;
    for (const source of expandedCopySources(staged, add)) if (!REMOTE.test(source)) found.push({ add, source });
  }
  return found;
}

export const addLocalArchiveRule: AuditRule = {
  id: 'BOSUN-DF011',
  severity: 'info',
  why: 'ADD unpacks a local tar archive into the image; when the archive itself was meant to be copied, COPY does that without the surprise.',
  check(context) {
    return localAddSources(context)
      .filter(({ source }) => ARCHIVE.test(source))
      .map(({ add, source }): RuleHit => ({ line: add.line, message: `ADD unpacks the local archive ${source}; use COPY if it should stay an archive` }));
  },
};

export const addLocalFileRule: AuditRule = {
  id: 'BOSUN-DF012',
  severity: 'info',
  why: 'ADD also fetches URLs and unpacks archives; COPY states that only local files are copied, which makes the Dockerfile easier to review.',
  check(context) {
    return localAddSources(context)
      .filter(({ source }) => !ARCHIVE.test(source))
      .map(({ add, source }): RuleHit => ({ line: add.line, message: `ADD copies the local path ${source}; COPY does the same with fewer surprises` }));
  },
};
