import { z } from 'zod';

/**
 * The Docker authorization plugin protocol (Docker Engine docs, "Access authorization plugin"
 * and "Docker Plugin API"). The daemon POSTs JSON to the plugin's socket: `/Plugin.Activate`
 * once, then `/AuthZPlugin.AuthZReq` before it handles each API request and
 * `/AuthZPlugin.AuthZRes` before it sends each response. The daemon forwards a request body
 * only when its Content-Type is JSON or text and it is at most 1 MiB (moby's
 * pkg/authorization), base64-encoded as Go encodes a `[]byte`.
 */

/** Content type the plugin API uses for every answer. */
export const PLUGIN_CONTENT_TYPE = 'application/vnd.docker.plugins.v1.2+json';

export const ACTIVATE_PATH = '/Plugin.Activate';
export const AUTHZ_REQUEST_PATH = '/AuthZPlugin.AuthZReq';
export const AUTHZ_RESPONSE_PATH = '/AuthZPlugin.AuthZRes';

/** The answer to `/Plugin.Activate`. */
export const ACTIVATE_RESPONSE = { Implements: ['authz'] } as const;

/** The JSON body of `AuthZReq` and `AuthZRes`; only the fields Bosun reads are typed. */
export const authzRequestSchema = z.looseObject({
  User: z.string().optional(),
  UserAuthNMethod: z.string().optional(),
  RequestMethod: z.string().optional(),
  RequestUri: z.string().optional(),
  /** Base64 of the raw request body; absent when the daemon did not forward it. */
  RequestBody: z.string().nullable().optional(),
  RequestHeaders: z.record(z.string(), z.string()).nullable().optional(),
  ResponseStatusCode: z.number().optional(),
});

export type AuthzRequest = z.infer<typeof authzRequestSchema>;

/** The plugin's answer. `Err` reports a plugin failure; the daemon then rejects the request. */
export interface AuthzResponse {
  Allow: boolean;
  Msg: string;
  Err: string;
}

export function allow(message = ''): AuthzResponse {
  return { Allow: true, Msg: message, Err: '' };
}

export function deny(message: string): AuthzResponse {
  return { Allow: false, Msg: message, Err: '' };
}
