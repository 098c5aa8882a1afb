import { z } from 'zod';
import { truncate } from '../../common/digest.js';
import type { AuthzRequest } from './protocol.js';

/**
 * The classes of daemon requests. Only the requests that choose the image a new container
 * or Swarm task runs are judged: container create, service create and service update. The
 * rest (pulls, builds, exec, start of an existing container, reads) are allowed, because
 * they do not start an image that has not been judged at create time.
 */
export type RequestClass =
  | { kind: 'judge'; action: JudgedAction; image: string }
  | { kind: 'allow' }
  /** A judged request whose image cannot be read from the body. */
  | { kind: 'unreadable'; action: JudgedAction; reason: string };

export type JudgedAction = 'container create' | 'service create' | 'service update';

/** Largest request body decoded, in bytes. The daemon forwards at most 1 MiB. */
export const MAX_REQUEST_BODY_BYTES = 1024 * 1024;

const ROUTES: Array<{ pattern: RegExp; action: JudgedAction }> = [
  { pattern: /^\/containers\/create$/i, action: 'container create' },
  { pattern: /^\/services\/create$/i, action: 'service create' },
  { pattern: /^\/services\/[^/]+\/update$/i, action: 'service update' },
];

const containerBodySchema = z.looseObject({ Image: z.string().min(1) });
const serviceBodySchema = z.looseObject({
  TaskTemplate: z.looseObject({ ContainerSpec: z.looseObject({ Image: z.string().min(1) }) }),
});

/** Classifies one `AuthZReq`: which action it is, and the image to judge. */
export function classifyRequest(request: AuthzRequest): RequestClass {
  if ((request.RequestMethod ?? '').toUpperCase() !== 'POST') return { kind: 'allow' };
  const action = judgedAction(request.RequestUri ?? '');
  if (action === undefined) return { kind: 'allow' };

  const body = decodeBody(request.RequestBody);
  if (typeof body === 'object' && 'error' in body) return { kind: 'unreadable', action, reason: body.error };

  if (action === 'container create') {
    const parsed = containerBodySchema.safeParse(body.json);
    if (!parsed.success) return { kind: 'unreadable', action, reason: 'the request body has no Image' };
    return { kind: 'judge', action, image: parsed.data.Image };
  }
  const parsed = serviceBodySchema.safeParse(body.json);
  if (!parsed.success) return { kind: 'unreadable', action, reason: 'the request body has no TaskTemplate.ContainerSpec.Image' };
  return { kind: 'judge', action, image: parsed.data.TaskTemplate.ContainerSpec.Image };
}

/**
 * The judged action a request URI names, or undefined. The daemon's router matches the
 * percent-decoded path, with or without a `/v1.NN` prefix, so the path is decoded and cleaned
 * the same way here; otherwise `/containers%2Fcreate` would slip past.
 */
export function judgedAction(uri: string): JudgedAction | undefined {
  const rawPath = uri.split('?')[0] ?? '';
  let decoded: string;
  try {
    decoded = decodeURIComponent(rawPath);
  } catch {
    decoded = rawPath;
  }
  const cleaned = cleanPath(decoded).replace(/^\/v[0-9.]+(?=\/)/, '');
  return ROUTES.find((route) => route.pattern.test(cleaned))?.action;
}

/** Cleans a path as Go's path.Clean does: one slash between parts, `.` and `..` applied. */
function cleanPath(text: string): string {
  const parts: string[] = [];
  for (const part of text.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') parts.pop();
    else parts.push(part);
  }
  return `/${parts.join('/')}`;
}

function decodeBody(encoded: string | null | undefined): { json: unknown } | { error: string } {
  if (encoded === undefined || encoded === null || encoded === '') {
    return { error: 'the daemon did not forward the request body (it is larger than 1 MiB or not JSON)' };
  }
  // Base64 grows by 4/3, so this bounds the decoded size before decoding.
  if (encoded.length > Math.ceil(MAX_REQUEST_BODY_BYTES / 3) * 4 + 4) return { error: `the request body is larger than ${MAX_REQUEST_BODY_BYTES} bytes` };
  const text = Buffer.from(encoded, 'base64').toString('utf8');
  try {
    return { json: JSON.parse(text) as unknown };
  } catch (error) {
    return { error: `the request body is not valid JSON (${truncate(error instanceof Error ? error.message : String(error), 80)})` };
  }
}
