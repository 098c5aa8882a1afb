import { isIP } from 'node:net';
import { InputError } from '../common/errors.js';

/** A TCP address to listen on. `host` is an IP address or `localhost`, without brackets. */
export interface ListenAddress {
  host: string;
  /** 0 lets the kernel pick a free port. */
  port: number;
}

/**
 * Parses `HOST:PORT` or `[IPV6]:PORT`. The host must be an IP address or `localhost`, because a
 * name that resolves to several addresses would make the bound interface a matter of luck.
 */
export function parseListen(value: string, what = 'listen address'): ListenAddress {
  const match = /^(?:\[([0-9A-Fa-f:.]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(value.trim());
  const host = match?.[1] ?? match?.[2];
  const port = Number(match?.[3]);
  if (match === null || host === undefined || port > 65_535) {
    throw new InputError(`invalid ${what} "${value.slice(0, 100)}": expected HOST:PORT`, {
      hint: 'write 127.0.0.1:8780, [::1]:8780 or 0.0.0.0:8780',
    });
  }
  if (host !== 'localhost' && isIP(host) === 0) {
    throw new InputError(`invalid ${what} "${value.slice(0, 100)}": the host must be an IP address or localhost`, {
      hint: 'write the address of the interface to listen on, such as 127.0.0.1 or 192.0.2.10',
    });
  }
  if (match[1] !== undefined && isIP(host) !== 6) {
    throw new InputError(`invalid ${what} "${value.slice(0, 100)}": only IPv6 addresses go in brackets`);
  }
  return { host, port };
}

/** Reports whether only this machine can reach `address`. */
export function isLoopbackListen(address: ListenAddress): boolean {
  const host = address.host;
  if (host === 'localhost' || host === '::1') return true;
  return isIP(host) === 4 && host.startsWith('127.');
}

/** Formats an address for messages and URLs: `127.0.0.1:8780` or `[::1]:8780`. */
export function formatListen(address: ListenAddress): string {
  return isIP(address.host) === 6 ? `[${address.host}]:${address.port}` : `${address.host}:${address.port}`;
}
