import { posix } from 'node:path';
import { InputError, describeError } from '../../common/errors.js';
import { parseReference } from '../../image/reference.js';
import { flagValue, fromParts, type ParsedInstruction } from './instruction.js';
import type { AnalyseOptions, ContextSource, ExternalImage, OnbuildNote, Stage, StageBase } from './types.js';
import { platformVariables, VariableScope } from './variables.js';
import { parseHeredocOperator } from './words.js';

/**
 * Stage resolution as BuildKit's dockerfile2llb does it (moby/buildkit
 * frontend/dockerfile/dockerfile2llb/convert.go, checked against its 2024–2025 sources):
 *
 * - FROM expands variables with the global ARGs only (those before the first FROM, with
 *   `--build-arg` overrides) and the automatic platform ARGs.
 * - A FROM base names a stage only when it equals, case-sensitively, the lowercased name of an
 *   earlier stage. Otherwise `scratch` is the empty image and anything else an image reference.
 * - `AS name` must match `^[a-z][a-z0-9-_.]*$` after lowercasing, so `AS ${NAME}` is rejected.
 * - `COPY --from` is a stage index when it parses as an integer, else a stage name
 *   (case-insensitive), else an image. It must not contain variables.
 * - `RUN --mount=from=` is a stage name (case-insensitive) or else an image, never an index.
 */

/** An instruction with the stage it belongs to; `stage` is -1 before the first FROM. */
export interface StagedInstruction {
  instruction: ParsedInstruction;
  stage: number;
  /** Set for an ONBUILD trigger of a parent stage that runs at the start of this stage. */
  inheritedTrigger?: boolean;
  /** COPY and ADD sources with ARG and ENV values expanded; undefined where the stage did not run the instruction. */
  sources?: ExpandedSource[];
}

/** A COPY or ADD source as written, and its value after expansion (undefined while a variable is unset). */
export interface ExpandedSource {
  written: string;
  value: string | undefined;
}

export interface StageResolution {
  stages: Stage[];
  /** Images pulled by the stages the target depends on. */
  externalImages: ExternalImage[];
  /** Images named anywhere, unreachable stages included, for audit rules. */
  allExternalImages: ExternalImage[];
  onbuild: OnbuildNote[];
  contextFiles: ContextSource[];
  instructions: StagedInstruction[];
  /** Index of the stage the build produces: `--target`, else the last one. */
  targetStage: number;
}

const STAGE_NAME = /^[a-z][a-z0-9-_.]*$/;
/** Most stages resolved. Real Dockerfiles have a handful; the limit bounds the work on hostile ones. */
export const MAX_STAGES = 10_000;
const INTEGER = /^[+-]?\d+$/;
const REMOTE_SOURCE = /^(?:https?:\/\/|git@|git:\/\/)/i;

interface StageState {
  stage: Stage;
  scope: VariableScope;
  /** Stages this one reads from: its base, `COPY --from` and `RUN --mount=from=`. */
  dependencies: Set<number>;
  triggers: ParsedInstruction[];
  /** Context and image reads, kept apart until reachability is known. */
  images: ExternalImage[];
  sources: ContextSource[];
}

/**
 * Resolves stages, pulled images and build-context reads.
 *
 * @throws InputError where BuildKit would reject the Dockerfile. That is an instruction other
 *   than ARG before the first FROM, no FROM, or an invalid stage name or image reference. It is
 *   also a variable in `--from`, a `--from` naming no earlier stage, or an unknown `--target`.
 */
export function resolveStages(instructions: ParsedInstruction[], escapeCharacter: string, options: AnalyseOptions): StageResolution {
  const resolver = new StageResolver(escapeCharacter, options, stageNames(instructions));
  for (const instruction of instructions) resolver.add(instruction);
  return resolver.finish();
}

class StageResolver {
  private readonly globals: VariableScope;
  private readonly buildArgs: Record<string, string>;
  private readonly states: StageState[] = [];
  /** Index of the latest stage so far with each name, so that FROM resolves in constant time. */
  private readonly stagesByName = new Map<string, number>();
  private readonly staged: StagedInstruction[] = [];
  private readonly onbuild: OnbuildNote[] = [];

  constructor(
    private readonly escapeCharacter: string,
    private readonly options: AnalyseOptions,
    /** Index of every named stage in the file, later ones included, by lowercase name. */
    private readonly allStages: Map<string, number>,
  ) {
    this.buildArgs = options.buildArgs ?? {};
    const automatic = new VariableScope(escapeCharacter);
    for (const [name, value] of [
      ...platformVariables('TARGET', options.targetPlatform),
      ...platformVariables('BUILD', options.buildPlatform),
    ]) {
      automatic.set(name, { value, unresolved: [] });
    }
    this.globals = new VariableScope(escapeCharacter, automatic);
  }

  add(instruction: ParsedInstruction): void {
    if (instruction.keyword === 'FROM') {
      this.startStage(instruction);
      return;
    }
    const current = this.states[this.states.length - 1];
    if (!current) {
      if (instruction.keyword !== 'ARG') {
        throw new InputError(`${instruction.keyword} on line ${instruction.line} comes before the first FROM`, {
          hint: 'Only ARG may come before the first FROM.',
        });
      }
      this.declareArgs(instruction, this.globals, true);
      this.staged.push({ instruction, stage: -1 });
      return;
    }
    const staged: StagedInstruction = { instruction, stage: current.stage.index };
    this.staged.push(staged);
    this.apply(current, staged);
  }

  private startStage(instruction: ParsedInstruction): void {
    const { image, stageName } = fromParts(instruction);
    const index = this.states.length;
    if (index >= MAX_STAGES) {
      throw new InputError(`FROM on line ${instruction.line} starts stage ${index + 1}, more than ${MAX_STAGES}`, {
        hint: 'Check that the path names a Dockerfile: real ones have a few stages.',
      });
    }
    const name = stageName === undefined ? undefined : validStageName(stageName, instruction.line);
    const { base, unresolved } = this.resolveBase(image ?? '', instruction.line);

    const stage: Stage = { index, base, reachable: false, line: instruction.line };
    if (name !== undefined) stage.name = name;
    if (unresolved.length > 0) stage.unresolved = unresolved;
    const platform = flagValue(instruction, 'platform');
    if (platform !== undefined) stage.platform = platform;

    const parent = base.kind === 'stage' ? this.states[base.index] : undefined;
    const scope = parent ? VariableScope.inherit(parent.scope) : new VariableScope(this.escapeCharacter);
    const state: StageState = { stage, scope, dependencies: new Set(), triggers: [], images: [], sources: [] };
    this.states.push(state);
    // A repeated name refers to the latest stage with it, as the filter over earlier stages did.
    if (name !== undefined) this.stagesByName.set(name, index);
    this.staged.push({ instruction, stage: index });

    if (base.kind === 'image') state.images.push(externalImage(base, unresolved, 'FROM', instruction.line, index));
    if (parent) {
      state.dependencies.add(parent.stage.index);
      this.runParentTriggers(state, parent);
    }
  }

  private resolveBase(word: string, line: number): { base: StageBase; unresolved: string[] } {
    const { value, unresolved } = this.globals.expand(word);
    if (unresolved.length > 0) return { base: { kind: 'image', reference: word }, unresolved };
    if (value === '') {
      throw new InputError(`FROM on line ${line}: base name "${word}" expands to nothing`, {
        hint: 'Give the ARG a default or pass --build-arg.',
      });
    }

    // BuildKit matches FROM against earlier stage names without lowercasing the FROM side.
    const earlier = this.stagesByName.get(value);
    if (earlier !== undefined) return { base: { kind: 'stage', name: value, index: earlier }, unresolved };
    if (value === 'scratch') return { base: { kind: 'scratch' }, unresolved };
    return { base: imageBase(value, `FROM on line ${line}`), unresolved };
  }

  /** ONBUILD triggers of a parent stage run first in a stage built FROM it. */
  private runParentTriggers(state: StageState, parent: StageState): void {
    for (const trigger of parent.triggers) {
      const staged: StagedInstruction = { instruction: trigger, stage: state.stage.index, inheritedTrigger: true };
      this.staged.push(staged);
      this.apply(state, staged);
    }
  }

  private apply(state: StageState, staged: StagedInstruction): void {
    const instruction = staged.instruction;
    switch (instruction.keyword) {
      case 'ARG':
        this.declareArgs(instruction, state.scope, false);
        break;
      case 'ENV':
        this.declareEnv(instruction, state.scope);
        break;
      case 'COPY':
      case 'ADD':
        this.applyCopy(state, staged);
        break;
      case 'RUN':
        this.applyRunMounts(state, instruction);
        break;
      case 'ONBUILD':
        this.recordTrigger(state, instruction);
        break;
      default:
        break;
    }
  }

  private declareArgs(instruction: ParsedInstruction, scope: VariableScope, global: boolean): void {
    for (const { name, raw } of instruction.properties) {
      const override = this.buildArgs[name];
      if (override !== undefined) {
        scope.set(name, { value: override, unresolved: [] });
      } else if (raw !== undefined) {
        scope.set(name, scope.expand(raw));
      } else if (!global && this.globals.get(name) !== undefined) {
        // `ARG NAME` inside a stage takes the global ARG's value.
        scope.set(name, this.globals.get(name)!);
      } else if (scope.get(name) === undefined) {
        // Keeps a value the scope already has, such as an automatic platform ARG.
        scope.set(name, { value: undefined, unresolved: [] });
      }
    }
  }

  private declareEnv(instruction: ParsedInstruction, scope: VariableScope): void {
    for (const { name, raw } of instruction.properties) scope.set(name, scope.expand(raw ?? ''));
  }

  private recordTrigger(state: StageState, instruction: ParsedInstruction): void {
    const trigger = instruction.trigger;
    if (!trigger) return;
    state.triggers.push(trigger);
    const references: string[] = [];
    if (trigger.keyword === 'COPY') {
      for (const flag of trigger.flags) if (flag.name === 'from' && flag.value !== undefined) references.push(flag.value);
    }
    if (trigger.keyword === 'RUN') {
      for (const mount of mountsOf(trigger)) if (mount.from !== undefined) references.push(mount.from);
    }
    this.onbuild.push({ line: instruction.line, stage: state.stage.index, instruction: trigger.keyword, references });
  }

  private applyCopy(state: StageState, staged: StagedInstruction): void {
    const instruction = staged.instruction;
    const from = instruction.keyword === 'COPY' ? flagValue(instruction, 'from') : undefined;
    if (from !== undefined) {
      this.applyCopyFrom(state, instruction, from);
      return;
    }
    // BuildKit expands ARG and ENV values in sources before it decides whether one is a URL.
    staged.sources = copySources(instruction).map((written) => {
      const { value, unresolved } = state.scope.expand(written);
      return { written, value: unresolved.length > 0 ? undefined : value };
    });
    for (const source of staged.sources) {
      if (instruction.keyword === 'ADD' && REMOTE_SOURCE.test(source.value ?? source.written)) continue;
      state.sources.push(this.contextSource(state, source.written, instruction.keyword as 'COPY' | 'ADD', instruction.line));
    }
  }

  private applyCopyFrom(state: StageState, instruction: ParsedInstruction, from: string): void {
    const where = `COPY --from=${from} on line ${instruction.line}`;
    if (from.includes('$')) {
      throw new InputError(`${where}: variables are not expanded in --from`, {
        hint: 'Define a stage with FROM ${VAR} AS name and copy --from=name, as BuildKit suggests.',
      });
    }
    if (INTEGER.test(from)) {
      this.dependOn(state, Number(from), where);
      return;
    }
    const named = this.findStage(from);
    if (named !== undefined) {
      this.dependOn(state, named, where);
      return;
    }
    state.images.push(externalImage(imageBase(from, where), [], 'COPY', instruction.line, state.stage.index));
  }

  private applyRunMounts(state: StageState, instruction: ParsedInstruction): void {
    for (const mount of mountsOf(instruction)) {
      if (mount.type !== 'bind' && mount.type !== 'cache') continue;
      if (mount.from === undefined) {
        if (mount.type === 'bind') state.sources.push(this.contextSource(state, mount.source ?? '.', 'RUN', instruction.line));
        continue;
      }
      const where = `RUN --mount=from=${mount.from} on line ${instruction.line}`;
      if (/\$./.test(mount.from)) {
        throw new InputError(`${where}: variables are not expanded in a mount's from`, {
          hint: 'Define a stage with FROM ${VAR} AS name and mount from=name.',
        });
      }
      const named = this.findStage(mount.from);
      if (named !== undefined) this.dependOn(state, named, where);
      else state.images.push(externalImage(imageBase(mount.from, where), [], 'RUN', instruction.line, state.stage.index));
    }
  }

  /**
   * Finds a stage by name, case-insensitively, among all stages of the file. BuildKit collects
   * them all before it reads `--from`, then rejects one that is not defined earlier.
   */
  private findStage(name: string): number | undefined {
    return this.allStages.get(name.toLowerCase());
  }

  private dependOn(state: StageState, index: number, where: string): void {
    if (!(index >= 0 && index < state.stage.index)) {
      throw new InputError(`${where}: stage ${index} is not defined before stage ${state.stage.index}`, {
        hint: 'Refer only to stages defined earlier in the Dockerfile.',
      });
    }
    state.dependencies.add(index);
  }

  private contextSource(state: StageState, written: string, instruction: ContextSource['instruction'], line: number): ContextSource {
    const { value, unresolved } = state.scope.expand(written);
    const entry: ContextSource = { source: written, instruction, line, stage: state.stage.index };
    if (unresolved.length > 0) {
      entry.unresolved = unresolved;
      return entry;
    }
    entry.source = cleanContextPath(value);
    if (climbsAboveRoot(value)) entry.outsideContext = true;
    return entry;
  }

  finish(): StageResolution {
    if (this.states.length === 0) {
      throw new InputError('the Dockerfile has no FROM instruction', { hint: 'Start the first stage with FROM.' });
    }
    const targetStage = this.targetIndex();
    markReachable(this.states, targetStage);

    const reachable = this.states.filter((state) => state.stage.reachable);
    return {
      stages: this.states.map((state) => state.stage),
      externalImages: reachable.flatMap((state) => state.images),
      allExternalImages: this.states.flatMap((state) => state.images),
      onbuild: this.onbuild,
      contextFiles: reachable.flatMap((state) => state.sources),
      instructions: this.staged,
      targetStage,
    };
  }

  private targetIndex(): number {
    const target = this.options.target;
    if (target === undefined) return this.states.length - 1;
    const index = this.findStage(target);
    if (index === undefined) {
      throw new InputError(`target stage "${target}" is not defined in the Dockerfile`, {
        hint: `Pick one of: ${this.states.flatMap((s) => (s.stage.name ? [s.stage.name] : [])).join(', ') || '(no named stages)'}.`,
      });
    }
    return index;
  }
}

/** Maps each lowercase stage name to its stage index; a repeated name keeps the last. */
function stageNames(instructions: ParsedInstruction[]): Map<string, number> {
  const names = new Map<string, number>();
  let index = 0;
  for (const instruction of instructions) {
    if (instruction.keyword !== 'FROM') continue;
    const args = instruction.args;
    if (args.length === 3 && args[1]!.toLowerCase() === 'as') names.set(args[2]!.toLowerCase(), index);
    index++;
  }
  return names;
}

function validStageName(written: string, line: number): string {
  const name = written.toLowerCase();
  if (!STAGE_NAME.test(name)) {
    throw new InputError(`invalid stage name "${written}" on line ${line}`, {
      hint: 'Stage names start with a letter and contain only letters, digits, "-", "_" and "."; BuildKit does not expand ARGs in them.',
    });
  }
  return name;
}

function imageBase(text: string, where: string): Extract<StageBase, { kind: 'image' }> {
  let parsed;
  try {
    parsed = parseReference(text);
  } catch (error) {
    throw new InputError(`${where}: ${describeError(error)}`, { hint: 'Write a valid image reference or an earlier stage name.', cause: error });
  }
  const base: Extract<StageBase, { kind: 'image' }> = { kind: 'image', reference: parsed.toString() };
  if (parsed.digest !== undefined) base.digest = parsed.digest;
  if (parsed.tag !== undefined) base.tag = parsed.tag;
  return base;
}

function externalImage(
  base: Extract<StageBase, { kind: 'image' }>,
  unresolved: string[],
  instruction: ExternalImage['instruction'],
  line: number,
  stage: number,
): ExternalImage {
  const image: ExternalImage = { reference: base.reference, instruction, line, stage };
  if (base.digest !== undefined) image.digest = base.digest;
  if (base.tag !== undefined) image.tag = base.tag;
  if (unresolved.length > 0) image.unresolved = unresolved;
  return image;
}

/**
 * Source operands of a staged COPY or ADD (or of its ONBUILD trigger), with variables expanded
 * where the stage ran it. A source with an unset variable stays as written.
 */
export function expandedCopySources(staged: StagedInstruction, instruction: ParsedInstruction): string[] {
  if (staged.sources !== undefined && staged.instruction === instruction) return staged.sources.map((source) => source.value ?? source.written);
  return copySources(instruction);
}

/** Source operands of COPY or ADD as written: all arguments but the last, heredocs left out. */
export function copySources(instruction: ParsedInstruction): string[] {
  const operands = instruction.json ?? instruction.args;
  return operands.slice(0, -1).filter((operand) => instruction.json !== undefined || !parseHeredocOperator(operand));
}

/**
 * Cleans a context path like BuildKit on Linux: relative to the root, `..` stops at the root.
 * A backslash is an ordinary file name character there.
 */
export function cleanContextPath(path: string): string {
  const cleaned = posix.normalize(`/${path}`).replace(/^\/+/, '').replace(/\/+$/, '');
  return cleaned === '' ? '.' : cleaned;
}

function climbsAboveRoot(path: string): boolean {
  let depth = 0;
  for (const part of path.split('/')) {
    if (part === '..') depth--;
    else if (part !== '' && part !== '.') depth++;
    if (depth < 0) return true;
  }
  return false;
}

export interface RunMount {
  type: string;
  from?: string;
  source?: string;
}

/**
 * Reads the `--mount` flags of a RUN. The value is one CSV record of `key=value` fields in any
 * order; `type` defaults to `bind`, as in BuildKit's instructions/commands_runmount.go.
 */
export function mountsOf(instruction: ParsedInstruction): RunMount[] {
  return instruction.flags
    .filter((flag) => flag.name === 'mount' && flag.value !== undefined)
    .map((flag) => {
      const mount: RunMount = { type: 'bind' };
      for (const field of splitCsvRecord(flag.value!)) {
        const equals = field.indexOf('=');
        if (equals === -1) continue;
        const key = field.slice(0, equals).toLowerCase();
        const value = field.slice(equals + 1);
        if (key === 'type') mount.type = value.toLowerCase();
        else if (key === 'from') mount.from = value;
        else if (key === 'source' || key === 'src') mount.source = value;
      }
      return mount;
    });
}

function splitCsvRecord(record: string): string[] {
  const fields: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < record.length; i++) {
    const ch = record[i];
    if (quoted) {
      if (ch === '"' && record[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      fields.push(field);
      field = '';
    } else field += ch;
  }
  fields.push(field);
  return fields;
}

function markReachable(states: StageState[], target: number): void {
  const pending = [target];
  while (pending.length > 0) {
    const state = states[pending.pop()!];
    if (!state || state.stage.reachable) continue;
    state.stage.reachable = true;
    pending.push(...state.dependencies);
  }
}
