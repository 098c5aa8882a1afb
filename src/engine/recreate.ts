import { isDeepStrictEqual } from 'node:util';
import { InputError } from '../common/errors.js';
import { MULTI_NETWORK_CREATE_API_VERSION, compareApiVersions } from './api-version.js';
import type { ApiVersion, ContainerConfig, ContainerInspect, NetworkEndpoint } from './types.js';

/** Body of `POST /containers/create`: a container `Config` plus `HostConfig` and `NetworkingConfig`. */
export type CreateContainerBody = Record<string, unknown> & { Image: string };

/** A network to connect after create, for engines that take only one network at create time. */
export interface NetworkToConnect {
  network: string;
  endpointConfig: Record<string, unknown>;
}

/** How to recreate a container: the create body, and what else to do or know. */
export interface RecreateSpec {
  body: CreateContainerBody;
  /** Networks to connect with `connectNetwork` after create and before start, in order. */
  extraNetworks: NetworkToConnect[];
  /** Parts of this container's setup that the new container will not have, one sentence each. */
  notCarried: string[];
}

export interface RecreateOptions {
  /**
   * Config of the image the old container was created from (`inspectImage(inspect.imageId).config`).
   * With it, values the container merely inherited from that image are left out, so the new
   * image's own defaults apply. Without it, they are pinned into the new container.
   */
  imageDefaults?: ContainerConfig;
  /** Negotiated API version. From 1.44 all networks go into the create body; below, or when unknown, one. */
  apiVersion?: ApiVersion;
}

/** `Config` fields copied from the old container. `Image`, `Hostname` and `MacAddress` are handled apart. */
const CARRIED_CONFIG_FIELDS = [
  'Domainname',
  'User',
  'AttachStdin',
  'AttachStdout',
  'AttachStderr',
  'ExposedPorts',
  'Tty',
  'OpenStdin',
  'StdinOnce',
  'Env',
  'Cmd',
  'Healthcheck',
  'Volumes',
  'WorkingDir',
  'Entrypoint',
  'NetworkDisabled',
  'Labels',
  'StopSignal',
  'StopTimeout',
  'Shell',
] as const;

const SWARM_TASK_LABEL = 'com.docker.swarm.task.id';

/**
 * Builds the create call that recreates a container from `newImage` with the same settings.
 * It carries Env, Cmd, Entrypoint, Labels, Healthcheck, User, WorkingDir, ExposedPorts and the
 * other `Config` fields, and `HostConfig` as returned by inspect. Networks keep their aliases,
 * links and static addresses. Anonymous volumes are mounted again by name, so their data stays.
 *
 * What cannot be carried over:
 * - files written to the old container's writable layer, its processes, logs, restart count and
 *   health history;
 * - the container ID, and the hostname when it was the default (the short ID): the new
 *   container gets its own;
 * - IP and MAC addresses the engine assigned; only addresses requested with `--ip`/`--ip6`
 *   (IPAMConfig) are kept;
 * - the name: it is in use until the old container is renamed or removed, so the caller picks
 *   the moment to take it over.
 *
 * Published host ports and static IPs stay reserved by the old container while it runs; stop it
 * before starting the new one.
 *
 * @throws InputError for a Swarm task container: Swarm replaces those itself, roll out the service.
 */
export function recreateSpec(inspect: ContainerInspect, newImage: string, options: RecreateOptions = {}): RecreateSpec {
  if (inspect.config.labels[SWARM_TASK_LABEL] !== undefined) {
    throw new InputError(`container ${inspect.name} is a task of a Swarm service and cannot be recreated alone`, {
      hint: 'update the service instead, so that Swarm replaces its tasks',
    });
  }
  const notCarried: string[] = [];

  const body: CreateContainerBody = { ...carriedConfig(inspect, options.imageDefaults), Image: newImage };
  const hostConfig = structuredClone(inspect.rawHostConfig);
  reuseAnonymousVolumes(inspect, hostConfig, notCarried);
  body['HostConfig'] = hostConfig;

  const { endpointsConfig, extraNetworks } = networksFor(inspect, hostConfig, options.apiVersion);
  if (endpointsConfig !== undefined) body['NetworkingConfig'] = { EndpointsConfig: endpointsConfig };

  for (const [name, network] of Object.entries(inspect.networks)) {
    if (network.ipAddress !== '' && network.ipamConfig === undefined) {
      notCarried.push(`address ${network.ipAddress} on network ${name} was assigned by the engine; the new container gets a new one`);
    }
  }
  return { body, extraNetworks, notCarried };
}

function carriedConfig(inspect: ContainerInspect, defaults: ContainerConfig | undefined): Record<string, unknown> {
  const raw = inspect.rawConfig;
  const config: Record<string, unknown> = {};
  for (const field of CARRIED_CONFIG_FIELDS) {
    if (raw[field] !== undefined && raw[field] !== null) config[field] = structuredClone(raw[field]);
  }

  // Docker sets the hostname to the first 12 characters of the container ID unless the create call sets one.
  const hostname = raw['Hostname'];
  if (typeof hostname === 'string' && hostname !== '' && hostname !== inspect.id.slice(0, 12)) config['Hostname'] = hostname;

  if (defaults !== undefined) dropImageDefaults(config, defaults);
  return config;
}

/**
 * Removes the values the old container took from its image, so that the new image's defaults
 * apply: an env entry or label with the image's value, and Cmd, Entrypoint, Healthcheck, User,
 * WorkingDir equal to the image's. Cmd is kept when Entrypoint was overridden, because the
 * engine does not merge the image's Cmd into a container with its own Entrypoint.
 */
function dropImageDefaults(config: Record<string, unknown>, defaults: ContainerConfig): void {
  const imageEnv = new Set(defaults.env);
  config['Env'] = ((config['Env'] as string[] | undefined) ?? []).filter((entry) => !imageEnv.has(entry));

  const labels = { ...((config['Labels'] as Record<string, string> | undefined) ?? {}) };
  for (const [key, value] of Object.entries(defaults.labels)) {
    if (labels[key] === value) delete labels[key];
  }
  config['Labels'] = labels;

  const entrypointInherited = isDeepStrictEqual(config['Entrypoint'] ?? undefined, defaults.entrypoint);
  if (entrypointInherited) {
    delete config['Entrypoint'];
    if (isDeepStrictEqual(config['Cmd'] ?? undefined, defaults.cmd)) delete config['Cmd'];
  }
  if (defaults.healthcheck !== undefined && isDeepStrictEqual(config['Healthcheck'], defaults.healthcheck)) delete config['Healthcheck'];
  if (config['User'] === defaults.user) delete config['User'];
  if (config['WorkingDir'] === defaults.workingDir) delete config['WorkingDir'];

  const ports = { ...((config['ExposedPorts'] as Record<string, unknown> | undefined) ?? {}) };
  for (const port of defaults.exposedPorts) delete ports[port];
  config['ExposedPorts'] = ports;
}

/**
 * Adds a volume mount by name for each anonymous volume of the old container. Without it the
 * engine would create a fresh, empty volume for each VOLUME of the image.
 */
function reuseAnonymousVolumes(inspect: ContainerInspect, hostConfig: Record<string, unknown>, notCarried: string[]): void {
  const volumesFrom = (hostConfig['VolumesFrom'] as string[] | null | undefined) ?? [];
  const named = new Set<string>();
  for (const bind of (hostConfig['Binds'] as string[] | null | undefined) ?? []) {
    const target = bind.split(':')[1];
    if (target !== undefined) named.add(target);
  }
  const mounts = [...((hostConfig['Mounts'] as Array<Record<string, unknown>> | null | undefined) ?? [])];
  for (const mount of mounts) {
    if (typeof mount['Target'] === 'string') named.add(mount['Target']);
  }

  for (const mount of inspect.mounts) {
    if (mount.type !== 'volume' || named.has(mount.destination)) continue;
    if (volumesFrom.length > 0) {
      // Mounts from --volumes-from cannot be distinguished from anonymous volumes in inspect output.
      notCarried.push(`volume ${mount.name} at ${mount.destination} is not mounted again, because the container uses --volumes-from`);
      continue;
    }
    mounts.push({ Type: 'volume', Source: mount.name, Target: mount.destination, ReadOnly: !mount.readWrite });
  }
  if (mounts.length > 0) hostConfig['Mounts'] = mounts;
}

function networksFor(
  inspect: ContainerInspect,
  hostConfig: Record<string, unknown>,
  apiVersion: ApiVersion | undefined,
): { endpointsConfig: Record<string, Record<string, unknown>> | undefined; extraNetworks: NetworkToConnect[] } {
  const mode = typeof hostConfig['NetworkMode'] === 'string' ? hostConfig['NetworkMode'] : '';
  // host, none and container:<id> share or disable networking; they take no endpoint settings.
  if (mode === 'host' || mode === 'none' || mode.startsWith('container:')) return { endpointsConfig: undefined, extraNetworks: [] };

  const shortId = inspect.id.slice(0, 12);
  const names = Object.keys(inspect.networks);
  // The network named by NetworkMode goes first: engines that take one network at create take that one.
  names.sort((left, right) => Number(right === mode) - Number(left === mode));

  const all = names.map((name) => ({ network: name, endpointConfig: endpointConfig(inspect.networks[name]!, shortId) }));
  const multiple = apiVersion !== undefined && compareApiVersions(apiVersion, MULTI_NETWORK_CREATE_API_VERSION) >= 0;
  const atCreate = multiple ? all : all.slice(0, 1);
  if (atCreate.length === 0) return { endpointsConfig: undefined, extraNetworks: [] };
  return {
    endpointsConfig: Object.fromEntries(atCreate.map((entry) => [entry.network, entry.endpointConfig])),
    extraNetworks: multiple ? [] : all.slice(1),
  };
}

/** Returns the user-set parts of an endpoint. Addresses the engine assigned are left for it to assign again. */
function endpointConfig(network: NetworkEndpoint, shortId: string): Record<string, unknown> {
  const config: Record<string, unknown> = {};
  // The engine adds the container's short ID as an alias itself. Copying the old one would make the new container reachable under the old ID.
  const aliases = network.aliases.filter((alias) => alias !== shortId);
  if (aliases.length > 0) config['Aliases'] = aliases;
  if (network.links.length > 0) config['Links'] = network.links;
  if (network.ipamConfig !== undefined && Object.keys(network.ipamConfig).length > 0) config['IPAMConfig'] = network.ipamConfig;
  if (network.driverOpts !== undefined) config['DriverOpts'] = network.driverOpts;
  return config;
}
