/**
 * Typed errors shared by every module.
 *
 * A `BosunError` is one the user can act on: its message names the input that failed and
 * `hint` says what to do next. The CLI prints message and hint without a stack trace. Any
 * other error is a bug and is printed with its stack.
 */
export class BosunError extends Error {
  /** Stable machine-readable code, for example `registry.unauthorized`. */
  readonly code: string;
  /** What the user can do about it, in one sentence. */
  readonly hint: string | undefined;

  constructor(code: string, message: string, options: { hint?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.hint = options.hint;
  }
}

/** Bad input from the user: a flag, a path, a config value, a target string. */
export class InputError extends BosunError {
  constructor(message: string, options: { hint?: string; cause?: unknown } = {}) {
    super('input.invalid', message, options);
  }
}

/** A registry answered with an error status, or could not be reached. */
export class RegistryError extends BosunError {
  readonly registry: string;
  readonly repository: string | undefined;
  readonly status: number | undefined;

  constructor(
    code: string,
    message: string,
    details: { registry: string; repository?: string; status?: number; hint?: string; cause?: unknown },
  ) {
    super(code, message, { hint: details.hint, cause: details.cause });
    this.registry = details.registry;
    this.repository = details.repository;
    this.status = details.status;
  }
}

/** An image, archive, manifest or layer is malformed or hostile. */
export class ImageFormatError extends BosunError {
  readonly layer: string | undefined;
  readonly path: string | undefined;

  constructor(message: string, details: { layer?: string; path?: string; hint?: string; cause?: unknown } = {}) {
    super('image.invalid', message, { hint: details.hint, cause: details.cause });
    this.layer = details.layer;
    this.path = details.path;
  }
}

/** A Docker or Podman engine answered with an error status, or could not be reached. */
export class EngineError extends BosunError {
  readonly endpoint: string;
  readonly status: number | undefined;

  constructor(code: string, message: string, details: { endpoint: string; status?: number; hint?: string; cause?: unknown }) {
    super(code, message, { hint: details.hint, cause: details.cause });
    this.endpoint = details.endpoint;
    this.status = details.status;
  }
}

/** An advisory record or feed could not be read. */
export class AdvisoryError extends BosunError {
  constructor(message: string, options: { hint?: string; cause?: unknown } = {}) {
    super('advisory.invalid', message, options);
  }
}

/**
 * A problem that does not stop the work: a malformed file inside one layer, an unsupported
 * database format. It is returned beside the results and shown to the user.
 */
export interface Warning {
  code: string;
  message: string;
  layer?: string;
  path?: string;
}

/** Formats an unknown thrown value for a message, without a stack. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
