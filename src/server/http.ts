import type { Context } from 'hono';
import { z } from 'zod';
import { BosunError } from '../common/errors.js';

/** An error the API returns as `{ error: { code, message } }` with its status. */
export class ApiError extends Error {
  readonly status: 400 | 401 | 403 | 404 | 409 | 413 | 415 | 500 | 503;
  readonly code: string;
  /** The query parameter, path parameter or body field that is invalid. */
  readonly field: string | undefined;

  constructor(status: ApiError['status'], code: string, message: string, field?: string) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.field = field;
  }
}

/** Body of every API error response. */
export const errorBodySchema = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    field: z.string().optional(),
  }),
});

/** Sends an error body. */
export function sendError(c: Context, error: ApiError): Response {
  const body: z.infer<typeof errorBodySchema> = { error: { code: error.code, message: error.message } };
  if (error.field !== undefined) body.error.field = error.field;
  return c.json(body, error.status);
}

/**
 * Maps a thrown value to an API error: an ApiError as it is, a BosunError input problem to 400,
 * anything else to 500 without details, since internal messages may name paths or hosts.
 */
export function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  if (error instanceof BosunError && error.code.startsWith('input.')) {
    return new ApiError(400, 'invalid_request', error.hint ? `${error.message}; ${error.hint}` : error.message);
  }
  return new ApiError(500, 'internal', 'internal error; the server log has the details');
}

/**
 * Validates `input` (query, path parameters or body) with `schema`.
 *
 * @throws ApiError 400 naming the first invalid field.
 */
export function validate<S extends z.ZodType>(schema: S, input: unknown, where: 'query parameter' | 'path parameter' | 'body field'): z.infer<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;

  const issue = result.error.issues[0]!;
  const unknownKey = issue.code === 'unrecognized_keys' ? issue.keys[0] : undefined;
  const keys = [...issue.path, ...(unknownKey === undefined ? [] : [unknownKey])].map(String);
  // A query or path parameter is named as a whole, also when one item of a list in it is invalid.
  const field = where === 'body field' ? keys.join('.') : (keys[0] ?? '');
  const message = unknownKey === undefined ? issue.message : 'unknown field';
  let subject = `${where} ${field}`;
  if (field === '') subject = where === 'body field' ? 'body' : where;
  throw new ApiError(400, 'invalid_request', `invalid ${subject}: ${message}`, field === '' ? undefined : field);
}

/** Maximum and default page sizes of list endpoints. */
export const MAX_PAGE_SIZE = 500;
export const DEFAULT_PAGE_SIZE = 100;

/**
 * The paging parameters every list takes: `limit`, and either `offset` or the opaque `cursor`
 * from a previous page's `next`.
 */
export const pageQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(MAX_PAGE_SIZE).default(DEFAULT_PAGE_SIZE),
  offset: z.coerce.number().int().min(0).max(10_000_000).optional(),
  cursor: z.string().max(200).optional(),
});

export interface Page {
  limit: number;
  offset: number;
}

/** Resolves `offset` or `cursor` to an offset. A cursor is an offset in base64url JSON, so clients must treat it as opaque. */
export function pageOf(query: z.infer<typeof pageQuerySchema>): Page {
  if (query.cursor !== undefined && query.offset !== undefined) {
    throw new ApiError(400, 'invalid_request', 'invalid query parameter cursor: give either cursor or offset, not both', 'cursor');
  }
  if (query.cursor === undefined) return { limit: query.limit, offset: query.offset ?? 0 };
  return { limit: query.limit, offset: decodeCursor(query.cursor) };
}

function decodeCursor(cursor: string): number {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    const offset = (value as { o?: unknown }).o;
    if (typeof offset === 'number' && Number.isSafeInteger(offset) && offset >= 0) return offset;
  } catch {
    // Falls through to the error below.
  }
  throw new ApiError(400, 'invalid_request', 'invalid query parameter cursor: not a cursor this server returned', 'cursor');
}

function encodeCursor(offset: number): string {
  return Buffer.from(JSON.stringify({ o: offset })).toString('base64url');
}

/** A page of a list response. `next` is the cursor of the following page, or null on the last. */
export interface PageResult<T> {
  items: T[];
  next: string | null;
}

/**
 * Builds a page from rows fetched with `limit + 1`: the extra row only shows that a next page
 * exists and is dropped.
 */
export function pageFromRows<T>(rows: T[], page: Page): PageResult<T> {
  const more = rows.length > page.limit;
  return { items: more ? rows.slice(0, page.limit) : rows, next: more ? encodeCursor(page.offset + page.limit) : null };
}

/** Builds a page from a complete in-memory list. */
export function pageFromList<T>(all: T[], page: Page): PageResult<T> {
  return pageFromRows(all.slice(page.offset, page.offset + page.limit + 1), page);
}

/** A boolean query parameter: `true`, `false`, `1` or `0`. */
export const queryBoolean = z
  .enum(['true', 'false', '1', '0'], { error: 'expected true or false' })
  .transform((value) => value === 'true' || value === '1');
