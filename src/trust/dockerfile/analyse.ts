import { InputError } from '../../common/errors.js';
import { parseInstruction } from './instruction.js';
import { splitDockerfile } from './lines.js';
import { buildRunScripts, runRules } from './rules/index.js';
import { resolveStages } from './stages.js';
import type { AnalyseOptions, DockerfileAnalysis } from './types.js';

/** Largest Dockerfile read, in characters; real ones are a few kilobytes. */
export const MAX_DOCKERFILE_LENGTH = 1024 * 1024;

/**
 * Parses a Dockerfile, resolves its stages as BuildKit would for the given build arguments
 * and target, and audits it.
 *
 * @throws InputError when BuildKit would reject the Dockerfile, or it is larger than
 *   MAX_DOCKERFILE_LENGTH. The message names the line.
 * @example
 *   const { stages, findings } = analyseDockerfile('FROM nginx\n');
 *   // stages[0].base.reference === 'docker.io/library/nginx:latest'; findings: DF003, DF004, DF005
 */
export function analyseDockerfile(text: string, options: AnalyseOptions = {}): DockerfileAnalysis {
  if (text.length > MAX_DOCKERFILE_LENGTH) {
    throw new InputError(`the Dockerfile is ${text.length} characters long, more than ${MAX_DOCKERFILE_LENGTH}`, {
      hint: 'Check that the path names a Dockerfile.',
    });
  }
  const split = splitDockerfile(text);
  const instructions = split.lines.map((line) => parseInstruction(line, split.escapeCharacter));
  const resolution = resolveStages(instructions, split.escapeCharacter, options);
  const findings = runRules({ ...resolution, scripts: buildRunScripts(resolution.instructions) });

  return {
    escapeCharacter: split.escapeCharacter,
    stages: resolution.stages,
    externalImages: resolution.externalImages,
    onbuild: resolution.onbuild,
    findings,
    contextFiles: resolution.contextFiles,
  };
}
