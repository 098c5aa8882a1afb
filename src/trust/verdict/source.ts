import { realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Digest } from '../../common/digest.js';
import { describeError, InputError, type Warning } from '../../common/errors.js';
import type { Store } from '../../store/index.js';
import { diffApprovals, pinBuildContext, type ApprovalDiff, type ContextPin } from '../audit/index.js';
import { analyseDockerfile, type ExternalImage, type Finding, type Stage } from '../dockerfile/index.js';
import { approvalsOf, recordApproval, type Approval } from '../store.js';

/** A build source: a Dockerfile and the context directory it is built with. */
export interface BuildSource {
  /** Absolute path; the key approvals and build records are stored under. */
  dockerfile: string;
  contextDir: string;
}

/**
 * Resolves a path to a build source. A directory is the context, with `Dockerfile` in it unless
 * `dockerfile` names another. A file is the Dockerfile, with its directory as the context.
 * Symlinks are resolved, so one source has one key however it is named.
 *
 * @throws InputError when the path does not exist.
 */
export async function resolveBuildSource(pathText: string, dockerfile?: string): Promise<BuildSource> {
  const absolute = path.resolve(pathText);
  const info = await stat(absolute).catch((error: unknown) => {
    throw new InputError(`build source "${pathText}" cannot be read: ${describeError(error)}`, { hint: 'pass a Dockerfile or a build directory', cause: error });
  });
  if (!info.isDirectory()) {
    const file = await realpath(absolute);
    return { dockerfile: file, contextDir: path.dirname(file) };
  }
  const contextDir = await realpath(absolute);
  const file = dockerfile === undefined ? path.join(contextDir, 'Dockerfile') : path.resolve(dockerfile);
  const resolved = await realpath(file).catch((error: unknown) => {
    throw new InputError(`Dockerfile "${file}" cannot be read: ${describeError(error)}`, { hint: 'add a Dockerfile to the directory or name one with --file', cause: error });
  });
  return { dockerfile: resolved, contextDir };
}

/** The state of a source against its newest approval. */
export interface SourceStatus {
  source: BuildSource;
  /** Every approval, newest first. */
  approvals: Approval[];
  /** The current pin; undefined when the source cannot be read any more. */
  current: ContextPin | undefined;
  /** Undefined when the source was never approved or cannot be read. */
  changedSinceApproval: boolean | undefined;
  diff: ApprovalDiff | undefined;
  /** Reason the source cannot be read; undefined when it can. */
  error: string | undefined;
}

/**
 * Pins the source as it is now and compares it with its newest approval. The pin uses
 * `buildArgs` when given, else the build arguments of the newest approval, because build
 * arguments decide which context files the build reads.
 */
export async function checkSource(store: Store, source: BuildSource, options: { buildArgs?: Record<string, string>; signal?: AbortSignal } = {}): Promise<SourceStatus> {
  const approvals = await approvalsOf(store, source.dockerfile);
  const latest = approvals[0];
  const buildArgs = options.buildArgs ?? latest?.buildArgs ?? {};
  let current: ContextPin;
  try {
    current = await pinBuildContext({ contextDir: source.contextDir, dockerfile: source.dockerfile, analyseOptions: { buildArgs }, signal: options.signal });
  } catch (error) {
    return { source, approvals, current: undefined, changedSinceApproval: undefined, diff: undefined, error: describeError(error) };
  }
  if (latest === undefined) return { source, approvals, current, changedSinceApproval: undefined, diff: undefined, error: undefined };

  const changed = current.digest !== latest.contentDigest;
  const diff = changed ? diffApprovals({ files: latest.files, dockerfile: { path: current.dockerfile.path, text: latest.dockerfileText } }, current) : undefined;
  return { source, approvals, current, changedSinceApproval: changed, diff, error: undefined };
}

/** One stage of an audit report. */
export interface AuditStage {
  index: number;
  name: string | null;
  /** The resolved image reference, the name of an earlier stage, or `scratch`. */
  base: string;
  baseKind: 'image' | 'stage' | 'scratch';
  /** ARGs the base reference reads that have no value. */
  unresolved: string[] | null;
  line: number;
  reachable: boolean;
}

/** Report that `bosun audit` shows about a source. */
export interface AuditReport {
  source: BuildSource;
  stages: AuditStage[];
  externalImages: ExternalImage[];
  findings: Finding[];
  contentDigest: Digest;
  /** Paths pinned, relative to the context. */
  files: string[];
  approval: { by: string; at: string; digest: Digest } | null;
  changedSinceApproval: boolean | null;
  diff: ApprovalDiff | null;
  warnings: Warning[];
}

/**
 * Audits a source: resolves its stages and external images, lists findings, pins its content
 * and compares it with the newest approval.
 *
 * @throws InputError when the Dockerfile or context cannot be read or the Dockerfile is invalid.
 */
export async function auditSource(store: Store, source: BuildSource, options: { buildArgs?: Record<string, string>; signal?: AbortSignal } = {}): Promise<AuditReport> {
  const status = await checkSource(store, source, options);
  if (status.current === undefined) {
    throw new InputError(`cannot audit ${source.dockerfile}: ${status.error ?? 'unreadable'}`, { hint: 'check the Dockerfile and the build context directory' });
  }
  const buildArgs = options.buildArgs ?? status.approvals[0]?.buildArgs ?? {};
  const analysis = analyseDockerfile(status.current.dockerfile.text, { buildArgs });
  const latest = status.approvals[0];
  return {
    source,
    stages: analysis.stages.map(auditStage),
    externalImages: analysis.externalImages,
    findings: analysis.findings,
    contentDigest: status.current.digest,
    files: status.current.files.map((file) => file.path),
    approval: latest === undefined ? null : { by: latest.approvedBy, at: latest.approvedAt, digest: latest.contentDigest },
    changedSinceApproval: status.changedSinceApproval ?? null,
    diff: status.diff ?? null,
    warnings: status.current.warnings,
  };
}

function auditStage(stage: Stage): AuditStage {
  let base = 'scratch';
  if (stage.base.kind === 'image') base = stage.base.reference;
  if (stage.base.kind === 'stage') base = stage.base.name;
  return { index: stage.index, name: stage.name ?? null, base, baseKind: stage.base.kind, unresolved: stage.unresolved ?? null, line: stage.line, reachable: stage.reachable };
}

/** Maximum length of an approver name, in characters. */
const MAX_APPROVER_LENGTH = 200;

/**
 * Approves a source as it is now: pins its content and stores the pin, the Dockerfile text
 * and the findings with who approved it and when.
 *
 * @throws InputError for an empty or malformed approver name, or an unreadable source.
 */
export async function approveSource(store: Store, source: BuildSource, options: { by: string; buildArgs?: Record<string, string>; now?: Date; signal?: AbortSignal }): Promise<{ approval: Approval; warnings: Warning[] }> {
  const by = options.by.trim();
  if (by === '' || by.length > MAX_APPROVER_LENGTH || /[\u0000-\u001f\u007f]/.test(by)) {
    throw new InputError(`invalid approver name "${by.slice(0, 40)}"`, { hint: `pass --by with a name of 1 to ${MAX_APPROVER_LENGTH} printable characters` });
  }
  const buildArgs = options.buildArgs ?? {};
  const pin = await pinBuildContext({ contextDir: source.contextDir, dockerfile: source.dockerfile, analyseOptions: { buildArgs }, signal: options.signal });
  const analysis = analyseDockerfile(pin.dockerfile.text, { buildArgs });
  const approval = await recordApproval(store, {
    source: source.dockerfile,
    contextDir: source.contextDir,
    buildArgs,
    contentDigest: pin.digest,
    files: pin.files,
    dockerfileText: pin.dockerfile.text,
    findings: analysis.findings,
    approvedBy: by,
    approvedAt: (options.now ?? new Date()).toISOString(),
  });
  return { approval, warnings: pin.warnings };
}
