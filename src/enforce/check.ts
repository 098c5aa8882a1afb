import { describeError, type Warning } from '../common/errors.js';
import { logger } from '../common/log.js';
import type { ComposeProject, ComposeService } from './compose/index.js';
import { verdictAllows, type EnforcementSettings, type ImageJudge, type ImageResolver, type Judgement, type SourceJudge, type Verdict } from './types.js';

const log = logger('enforce.check');

/** The outcome for one active service. */
export interface ServiceCheck {
  service: string;
  /** Kind of subject judged: the image, or the build source. */
  kind: 'image' | 'build';
  /** The image reference, or the Dockerfile path. */
  subject: string;
  /** `error` when no verdict could be reached. */
  verdict: Verdict | 'error';
  /** Whether the service may start under the policy's mode and failClosed. */
  allowed: boolean;
  reasons: string[];
}

/** The outcome of a compose pre-flight check. */
export interface ComposeCheckResult {
  project: string;
  services: ServiceCheck[];
  /** Services left out because none of their profiles is selected. */
  inactive: string[];
  /** Whether every active service may start. */
  allowed: boolean;
  warnings: Warning[];
}

export interface CheckDependencies {
  resolver: ImageResolver;
  images: ImageJudge;
  sources: SourceJudge;
  settings: EnforcementSettings;
  signal?: AbortSignal;
}

/**
 * Judges every active service of a loaded project: an `image:` by its trust verdict, a
 * `build:` by the audit state of its source and the trust of the images it reads. A service
 * with both is judged by its build, because Compose builds the image it tags.
 */
export async function checkComposeProject(project: ComposeProject, dependencies: CheckDependencies): Promise<ComposeCheckResult> {
  const services: ServiceCheck[] = [];
  for (const service of project.services.filter((entry) => entry.active)) {
    services.push(await checkService(service, dependencies));
  }
  const allowed = services.every((check) => check.allowed);
  log.info({ project: project.name, services: services.length, allowed }, 'compose project checked');
  return {
    project: project.name,
    services,
    inactive: project.services.filter((entry) => !entry.active).map((entry) => entry.name),
    allowed,
    warnings: project.warnings,
  };
}

async function checkService(service: ComposeService, dependencies: CheckDependencies): Promise<ServiceCheck> {
  const kind = service.build === undefined ? 'image' : 'build';
  const subject = service.build === undefined ? service.image! : service.build.dockerfile ?? service.build.context;
  let judgement: Judgement;
  try {
    judgement = service.build === undefined ? await judgeImage(service.image!, dependencies) : await judgeBuild(service, dependencies);
  } catch (error) {
    const reason = `cannot judge ${subject}: ${describeError(error)}`;
    log.warn({ service: service.name, image: service.image, reason }, 'cannot judge a service');
    return { service: service.name, kind, subject, verdict: 'error', allowed: !dependencies.settings.failClosed, reasons: [reason] };
  }
  const allowed = verdictAllows(judgement.verdict) || dependencies.settings.mode === 'warn';
  log.info({ service: service.name, image: service.image, verdict: judgement.verdict, allowed }, 'service judged');
  return { service: service.name, kind, subject, verdict: judgement.verdict, allowed, reasons: judgement.reasons };
}

async function judgeImage(image: string, dependencies: CheckDependencies): Promise<Judgement> {
  const resolved = await dependencies.resolver.resolveImage(image, dependencies.signal);
  if (resolved === undefined) {
    return { verdict: 'untrusted', reasons: [`${image} is not on the engine and cannot be read from a registry`], chain: [] };
  }
  return dependencies.images.judgeImage(resolved, dependencies.signal);
}

async function judgeBuild(service: ComposeService, dependencies: CheckDependencies): Promise<Judgement> {
  const build = service.build!;
  if (build.dockerfileInline !== undefined) {
    return { verdict: 'unaudited', reasons: ['the Dockerfile is written inline in the compose file (dockerfile_inline); only a Dockerfile on disk can be approved'], chain: [] };
  }
  if (build.dockerfile === undefined) {
    return { verdict: 'unaudited', reasons: [`the build context ${build.context} is remote; only a local build context can be approved`], chain: [] };
  }
  return dependencies.sources.judgeSource({ contextDir: build.context, dockerfile: build.dockerfile, args: build.args, target: build.target }, dependencies.signal);
}

/** Renders the result as a table: service, image or build, verdict, first reason. */
export function renderCheckTable(result: ComposeCheckResult): string {
  const rows = result.services.map((check) => [
    check.service,
    check.kind === 'image' ? check.subject : `build ${check.subject}`,
    check.allowed && check.verdict !== 'trusted' ? `${check.verdict} (allowed)` : check.verdict,
    check.reasons[0] ?? '',
  ]);
  const header = ['SERVICE', 'IMAGE / BUILD', 'VERDICT', 'REASON'];
  const widths = header.slice(0, 3).map((title, index) => Math.max(title.length, ...rows.map((row) => row[index]!.length)));
  const line = (row: string[]): string => [...row.slice(0, 3).map((cell, index) => cell.padEnd(widths[index]!)), row[3]].join('  ').trimEnd();

  const out = [line(header), ...rows.map(line)];
  if (result.inactive.length > 0) out.push('', `inactive (profiles not selected): ${result.inactive.join(', ')}`);
  for (const warning of result.warnings) out.push(`warning: ${warning.message}`);
  out.push('', result.allowed ? `every active service of ${result.project} may start` : `${result.services.filter((check) => !check.allowed).length} service(s) of ${result.project} may not start`);
  return `${out.join('\n')}\n`;
}
