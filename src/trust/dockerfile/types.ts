/**
 * The result of reading a Dockerfile: its stages, the images the build pulls, the build-context
 * paths it reads, and audit findings. Line numbers are 1-based, as in the file.
 */

export type Severity = 'high' | 'medium' | 'low' | 'info';

/** One audit finding. `id` is stable across releases; see docs/audit-rules.md. */
export interface Finding {
  id: string;
  line: number;
  severity: Severity;
  message: string;
  why: string;
}

/** What a stage starts from. */
export type StageBase =
  | {
      kind: 'image';
      /**
       * The normalised reference (`docker.io/library/nginx:latest`). When the stage has
       * `unresolved` variables it is the text as written, unexpanded, and must not be pulled.
       */
      reference: string;
      digest?: string;
      tag?: string;
    }
  | { kind: 'stage'; name: string; index: number }
  | { kind: 'scratch' };

export interface Stage {
  index: number;
  /** The `AS` name, lowercased as BuildKit stores it. */
  name?: string;
  base: StageBase;
  /** Variables the base reference reads that have no value: no default and no build-arg. */
  unresolved?: string[];
  /** The `--platform` flag as written, for example `$BUILDPLATFORM`. */
  platform?: string;
  /** Whether the build target depends on this stage; BuildKit skips the others. */
  reachable: boolean;
  line: number;
}

/** An image the build pulls besides its stages: a base, a `COPY --from` or a `RUN --mount` source. */
export interface ExternalImage {
  /** Normalised like `StageBase.reference`; the unexpanded text when `unresolved` is set. */
  reference: string;
  instruction: 'FROM' | 'COPY' | 'RUN';
  line: number;
  stage: number;
  digest?: string;
  tag?: string;
  unresolved?: string[];
}

/**
 * An `ONBUILD` trigger. It runs when another build uses this image as its base, so its
 * `--from` references are recorded here rather than as dependencies of this build. A later
 * stage of the same Dockerfile that starts FROM this stage does run it; its references then
 * appear in that stage's `externalImages` too.
 */
export interface OnbuildNote {
  line: number;
  stage: number;
  /** The trigger instruction keyword, uppercase: `COPY`, `RUN`. */
  instruction: string;
  /** Stage names, indexes or images named by `--from` or `--mount=from=`, as written. */
  references: string[];
}

/** A build-context path that `COPY`, `ADD` or a `RUN --mount` without `from` reads. */
export interface ContextSource {
  /**
   * Path relative to the context root, `/`-separated, cleaned as BuildKit cleans it: `.` is
   * the whole context and `..` stops at the root. May contain Go `filepath.Match` wildcards.
   * The text as written when `unresolved` is set.
   */
  source: string;
  instruction: 'COPY' | 'ADD' | 'RUN';
  line: number;
  stage: number;
  /** Whether the path as written climbs above the context root with `..`. */
  outsideContext?: boolean;
  /** Variables the source reads that have no known value (for example from a base image ENV). */
  unresolved?: string[];
}

export interface DockerfileAnalysis {
  escapeCharacter: '\\' | '`';
  stages: Stage[];
  externalImages: ExternalImage[];
  onbuild: OnbuildNote[];
  findings: Finding[];
  contextFiles: ContextSource[];
}

export interface AnalyseOptions {
  /** `--build-arg K=V` values. */
  buildArgs?: Record<string, string>;
  /** `--target`: the stage to build. Default: the last stage. */
  target?: string;
  /** Value of the automatic `TARGETPLATFORM` ARG (`linux/amd64`); unset means unknown. */
  targetPlatform?: string;
  /** Value of the automatic `BUILDPLATFORM` ARG; unset means unknown. */
  buildPlatform?: string;
}
