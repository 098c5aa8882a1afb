import { createHash } from 'node:crypto';
import { SPDX } from '@cyclonedx/cyclonedx-library';

/**
 * Classification of a licence string from a package database against the SPDX licence list:
 * a listed identifier, an SPDX licence expression, or a free-form name (`public-domain`, `GPL-2+`).
 */
export type LicenseKind =
  | { kind: 'id'; id: string }
  | { kind: 'expression'; expression: string }
  | { kind: 'name'; name: string };

/** A free-form licence name written to SPDX as a `LicenseRef-`, as SPDX 2.3 clause 10 requires. */
export interface ExtractedLicense {
  licenseId: string;
  name: string;
}

/** Classifies one licence string. Identifiers and operators come back in their canonical case. */
export function classifyLicense(text: string): LicenseKind {
  const trimmed = text.trim();
  const id = SPDX.fixupSpdxId(trimmed);
  if (id !== undefined) return { kind: 'id', id };

  const expression = normaliseExpression(trimmed);
  if (expression !== undefined) return { kind: 'expression', expression };
  return { kind: 'name', name: trimmed };
}

/** Classifies each distinct, non-empty licence string of a package, in the order given. */
export function classifyLicenses(licenses: readonly string[] | undefined): LicenseKind[] {
  const distinct = [...new Set((licenses ?? []).map((l) => l.trim()).filter((l) => l.length > 0))];
  return distinct.map(classifyLicense);
}

/**
 * Builds the SPDX `licenseDeclared` value for a package: the licences joined with `AND` (a
 * package that lists several licences is covered by all of them), or `NOASSERTION` when none
 * are known. Free-form names become `LicenseRef-` identifiers, returned in `extracted`.
 */
export function spdxLicenseExpression(licenses: readonly string[] | undefined): {
  expression: string;
  extracted: ExtractedLicense[];
} {
  const kinds = classifyLicenses(licenses);
  if (kinds.length === 0) return { expression: 'NOASSERTION', extracted: [] };

  const extracted: ExtractedLicense[] = [];
  const parts = kinds.map((license) => {
    if (license.kind === 'id') return license.id;
    if (license.kind === 'expression') return kinds.length > 1 ? `(${license.expression})` : license.expression;
    const licenseId = licenseRefId(license.name);
    extracted.push({ licenseId, name: license.name });
    return licenseId;
  });
  return { expression: parts.join(' AND '), extracted };
}

/**
 * Turns a free-form licence name into a `LicenseRef-` identifier (letters, digits, `.` and `-`
 * only). A name that had to be changed gets a hash suffix, so two names never share an id.
 */
export function licenseRefId(name: string): string {
  const sanitised = name.replace(/[^A-Za-z0-9.-]+/g, '-').replace(/^-+|-+$/g, '') || 'unnamed';
  if (sanitised === name) return `LicenseRef-${name}`;
  const hash = createHash('sha256').update(name).digest('hex').slice(0, 8);
  return `LicenseRef-${sanitised}-${hash}`;
}

const OPERATORS = new Set(['AND', 'OR', 'WITH']);
const LICENSE_REF = /^(DocumentRef-[A-Za-z0-9.-]+:)?LicenseRef-[A-Za-z0-9.-]+$/;
const EXCEPTION_ID = /^[A-Za-z0-9.-]+$/;

/**
 * Parses `text` as an SPDX licence expression (SPDX 2.3 annex D) and returns it with canonical
 * identifiers and upper-case operators, or undefined when it is not one. A single identifier
 * is not an expression here, because `classifyLicense` has already matched it.
 *
 * NOTE: the SPDX exception list is not installed, so any `[A-Za-z0-9.-]+` after WITH passes.
 */
function normaliseExpression(text: string): string | undefined {
  const tokens = text.match(/\(|\)|[^\s()]+/g);
  if (!tokens || tokens.length < 2) return undefined;

  const parser = new ExpressionParser(tokens);
  const result = parser.parseExpression();
  return result !== undefined && parser.done() ? result : undefined;
}

/** A recursive-descent parser for `expr := term ((AND|OR) term)*; term := ( expr ) | id [WITH exception]`. */
class ExpressionParser {
  private position = 0;

  constructor(private readonly tokens: string[]) {}

  done(): boolean {
    return this.position === this.tokens.length;
  }

  parseExpression(depth = 0): string | undefined {
    if (depth > 32) return undefined;
    const first = this.parseTerm(depth);
    if (first === undefined) return undefined;

    const parts = [first];
    for (;;) {
      const operator = this.peek()?.toUpperCase();
      if (operator !== 'AND' && operator !== 'OR') break;
      this.position += 1;
      const next = this.parseTerm(depth);
      if (next === undefined) return undefined;
      parts.push(operator, next);
    }
    return parts.join(' ');
  }

  private parseTerm(depth: number): string | undefined {
    const token = this.next();
    if (token === undefined) return undefined;
    if (token === '(') {
      const inner = this.parseExpression(depth + 1);
      return inner !== undefined && this.next() === ')' ? `(${inner})` : undefined;
    }

    const license = simpleLicense(token);
    if (license === undefined) return undefined;
    if (this.peek()?.toUpperCase() !== 'WITH') return license;

    this.position += 1;
    const exception = this.next();
    if (exception === undefined || !EXCEPTION_ID.test(exception) || OPERATORS.has(exception.toUpperCase())) return undefined;
    return `${license} WITH ${exception}`;
  }

  private peek(): string | undefined {
    return this.tokens[this.position];
  }

  private next(): string | undefined {
    const token = this.tokens[this.position];
    if (token !== undefined) this.position += 1;
    return token;
  }
}

/** Returns the canonical form of a listed identifier (with an optional `+` "or later" suffix) or a `LicenseRef-`, else undefined. */
function simpleLicense(token: string): string | undefined {
  if (LICENSE_REF.test(token)) return token;
  const orLater = token.endsWith('+');
  const id = SPDX.fixupSpdxId(orLater ? token.slice(0, -1) : token);
  if (id === undefined) return undefined;
  return orLater ? `${id}+` : id;
}
