import type { ParsedInstruction } from '../instruction.js';
import type { ShellScript } from '../shell.js';
import type { StageResolution } from '../stages.js';
import type { Severity } from '../types.js';

/** A shell script that a RUN executes: its command line, `sh -c` scripts and heredoc bodies. */
export interface RunScript {
  script: ShellScript;
  instruction: ParsedInstruction;
  stage: number;
  /** Whether the RUN is an ONBUILD trigger, which runs in builds FROM this image. */
  onbuild: boolean;
  /** Maps an offset of `script` to a line of the Dockerfile. */
  lineAt(offset: number): number;
}

export interface RuleContext extends StageResolution {
  scripts: RunScript[];
}

export interface RuleHit {
  line: number;
  message: string;
  /** Overrides the rule's severity for this hit, where the rule documents when. */
  severity?: Severity;
}

/** One audit rule. Rules are listed in rules/index.ts and documented in docs/audit-rules.md. */
export interface AuditRule {
  /** Stable id: `BOSUN-DF001`. Never reused for a different check. */
  id: string;
  severity: Severity;
  /** Why the finding matters, in one or two sentences. */
  why: string;
  check(context: RuleContext): RuleHit[];
}
