import { isIP } from 'node:net';
import { DOCKER_HUB, normalizeRegistry } from '../reference.js';

/** The host serving Docker Hub's registry API; `docker.io` itself serves only a website. */
export const DOCKER_HUB_API_HOST = 'registry-1.docker.io';

/**
 * Returns the base URL of a registry's API: https by default, plain http for loopback hosts and
 * for registries listed in `insecureRegistries` (compared as `host[:port]`).
 *
 * @example registryBaseUrl('docker.io', []) // https://registry-1.docker.io
 */
export function registryBaseUrl(registry: string, insecureRegistries: readonly string[] = []): URL {
  const host = registry === DOCKER_HUB ? DOCKER_HUB_API_HOST : registry;
  const scheme = isLoopbackHost(host) || isListedInsecure(registry, insecureRegistries) ? 'http' : 'https';
  return new URL(`${scheme}://${host}`);
}

/**
 * Reports whether plain http is allowed for a URL's host: loopback hosts and registries listed as
 * insecure. Used for token realms and redirect targets, which may point at other hosts.
 */
export function allowsPlainHttp(url: URL, insecureRegistries: readonly string[] = []): boolean {
  return isLoopbackHost(url.host) || isListedInsecure(url.host, insecureRegistries);
}

/** Reports whether `host` (with an optional port) is `localhost`, in 127.0.0.0/8, or `::1`. */
export function isLoopbackHost(host: string): boolean {
  const name = stripPort(host).toLowerCase();
  if (name === 'localhost') return true;
  if (isIP(name) === 4) return name.startsWith('127.');
  if (isIP(name) === 6) return name === '::1' || name === '0:0:0:0:0:0:0:1';
  return false;
}

function isListedInsecure(registry: string, insecureRegistries: readonly string[]): boolean {
  const requested = normalizeRegistry(registry).toLowerCase();
  return insecureRegistries.some((entry) => normalizeRegistry(entry.replace(/^https?:\/\//, '').replace(/\/+$/, '')).toLowerCase() === requested);
}

/** Removes the port from `host:port` or `[v6]:port`, and the brackets from an IPv6 literal. */
function stripPort(host: string): string {
  if (isIP(host) !== 0) return host;
  if (host.startsWith('[')) {
    const end = host.indexOf(']');
    return end === -1 ? host : host.slice(1, end);
  }
  const colon = host.indexOf(':');
  return colon === -1 ? host : host.slice(0, colon);
}
