/**
 * Variable interpolation in compose files, as the compose specification defines it:
 * `$VAR`, `${VAR}`, `${VAR:-default}`, `${VAR-default}`, `${VAR:?error}`, `${VAR?error}`,
 * `${VAR:+alternative}`, `${VAR+alternative}`, and `$$` for a literal `$`. Defaults,
 * alternatives and error texts may themselves contain interpolations, as in
 * `${A:-${B:-x}}`.
 */

/** Looks a variable up; undefined when it is not set. */
export type VariableLookup = (name: string) => string | undefined;

/** Why an interpolation failed: a malformed expression or a `?` modifier on a missing variable. */
export class InterpolationError extends Error {
  /** The variable a `?` or `:?` modifier requires, when that is the cause. */
  readonly variable: string | undefined;

  constructor(message: string, variable?: string) {
    super(message);
    this.name = 'InterpolationError';
    this.variable = variable;
  }
}

/** The result of interpolating one string. */
export interface Interpolated {
  value: string;
  /** Variables read that are not set and had no default; each became an empty string. */
  unset: string[];
}

const NAME_START = /[A-Za-z_]/;
const NAME_PART = /[A-Za-z0-9_]/;
/** Maximum nesting of `${…}` inside defaults, far above what real compose files use. */
const MAX_NESTING = 16;

/**
 * Interpolates `text`.
 *
 * @throws InterpolationError for a malformed expression (`${`, `${}`, `${1A}`), or when a
 *   `?` or `:?` modifier finds its variable missing (`:?` also when empty).
 */
export function interpolate(text: string, lookup: VariableLookup): Interpolated {
  const unset: string[] = [];
  const value = expand(text, lookup, unset, 0);
  return { value, unset: [...new Set(unset)] };
}

function expand(text: string, lookup: VariableLookup, unset: string[], depth: number): string {
  if (depth > MAX_NESTING) throw new InterpolationError(`interpolation nested more than ${MAX_NESTING} levels deep`);
  let out = '';
  let index = 0;
  while (index < text.length) {
    const dollar = text.indexOf('$', index);
    if (dollar === -1) {
      out += text.slice(index);
      break;
    }
    out += text.slice(index, dollar);
    const next = text[dollar + 1];
    if (next === '$') {
      out += '$';
      index = dollar + 2;
    } else if (next === '{') {
      const end = closingBrace(text, dollar + 2);
      out += substitute(text.slice(dollar + 2, end), lookup, unset, depth);
      index = end + 1;
    } else if (next !== undefined && NAME_START.test(next)) {
      let end = dollar + 2;
      while (end < text.length && NAME_PART.test(text[end]!)) end += 1;
      out += read(text.slice(dollar + 1, end), lookup, unset);
      index = end;
    } else {
      // A lone `$` (at the end, or before a character that cannot start a name) stays as written.
      out += '$';
      index = dollar + 1;
    }
  }
  return out;
}

/** Finds the index of the `}` that closes the `${` whose body starts at `start`. */
function closingBrace(text: string, start: number): number {
  let depth = 1;
  for (let index = start; index < text.length; index++) {
    const character = text[index];
    if (character === '$' && text[index + 1] === '$') {
      index += 1;
    } else if (character === '$' && text[index + 1] === '{') {
      depth += 1;
      index += 1;
    } else if (character === '}') {
      depth -= 1;
      if (depth === 0) return index;
    }
  }
  throw new InterpolationError(`invalid interpolation format: missing "}" in "\${${text.slice(start, start + 40)}"`);
}

/** Evaluates the body of one `${…}` expression. */
function substitute(body: string, lookup: VariableLookup, unset: string[], depth: number): string {
  let end = 0;
  while (end < body.length && NAME_PART.test(body[end]!)) end += 1;
  const name = body.slice(0, end);
  if (name === '' || !NAME_START.test(name[0]!)) {
    throw new InterpolationError(`invalid interpolation format: "\${${body}}" does not start with a variable name`);
  }
  const rest = body.slice(end);
  if (rest === '') return read(name, lookup, unset);

  const operator = /^(:-|-|:\?|\?|:\+|\+)/.exec(rest)?.[1];
  if (operator === undefined) throw new InterpolationError(`invalid interpolation format: "\${${body}}" has an unknown modifier`);
  const argument = rest.slice(operator.length);
  const value = lookup(name);
  const colon = operator.startsWith(':');
  // With a colon the modifiers treat an empty value like a missing one.
  const present = colon ? value !== undefined && value !== '' : value !== undefined;

  switch (operator.at(-1)) {
    case '-':
      return present ? value! : expand(argument, lookup, unset, depth + 1);
    case '+':
      return present ? expand(argument, lookup, unset, depth + 1) : '';
    default: {
      if (present) return value!;
      const message = expand(argument, lookup, unset, depth + 1);
      const state = value === undefined ? 'is not set' : 'is empty';
      throw new InterpolationError(message === '' ? `required variable ${name} ${state}` : `required variable ${name} ${state}: ${message}`, name);
    }
  }
}

function read(name: string, lookup: VariableLookup, unset: string[]): string {
  const value = lookup(name);
  if (value !== undefined) return value;
  unset.push(name);
  return '';
}
