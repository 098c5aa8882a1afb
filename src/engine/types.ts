import type { DiffId, Digest } from '../common/digest.js';

/** A Docker Engine API version such as `1.41`, as used in the `/v1.41/...` path prefix. */
export type ApiVersion = string & { readonly __brand: 'ApiVersion' };

/** The engine's `GET /version`. */
export interface EngineVersion {
  /** Product version, for example `20.10.24` or `4.3.1`. */
  version: string;
  /** Newest API version the engine serves. */
  apiVersion: ApiVersion;
  /** Oldest API version the engine serves; absent on old engines. */
  minApiVersion: ApiVersion | undefined;
  /** `podman` when a component is named "Podman Engine", otherwise `docker`. */
  kind: 'docker' | 'podman';
  os: string;
  arch: string;
  kernelVersion: string | undefined;
}

/** Swarm membership of the engine's node, from `GET /info`. */
export interface SwarmState {
  /** `inactive`, `pending`, `active`, `error` or `locked`. */
  localNodeState: string;
  /** True when this node is a manager and can serve the service and task APIs. */
  controlAvailable: boolean;
  nodeId: string;
}

/** The part of `GET /info` that Bosun uses. */
export interface EngineInfo {
  id: string;
  name: string;
  serverVersion: string;
  operatingSystem: string;
  containers: number;
  images: number;
  swarm: SwarmState;
}

/** One row of `GET /containers/json`. */
export interface ContainerSummary {
  id: string;
  /** Names without the leading `/` the API puts on them. */
  names: string[];
  /** The image as the container was created from it: a reference or an image ID. */
  image: string;
  /** Image ID (digest of the image config) the container runs. */
  imageId: Digest;
  /** `created`, `running`, `paused`, `restarting`, `removing`, `exited` or `dead`. */
  state: string;
  /** Human-readable status such as `Up 2 hours (healthy)`. */
  status: string;
  labels: Record<string, string>;
  created: Date;
}

/** The healthcheck of a container or image config. Durations are in nanoseconds, as in the API. */
export interface Healthcheck {
  /** `["NONE"]` disables an inherited check; `["CMD", ...]` or `["CMD-SHELL", "..."]` runs one. */
  Test?: string[];
  Interval?: number;
  Timeout?: number;
  StartPeriod?: number;
  Retries?: number;
  [key: string]: unknown;
}

/** The config fields of a container or an image that Bosun reads and carries over on recreate. */
export interface ContainerConfig {
  image: string | undefined;
  env: string[];
  cmd: string[] | undefined;
  entrypoint: string[] | undefined;
  labels: Record<string, string>;
  healthcheck: Healthcheck | undefined;
  user: string;
  workingDir: string;
  /** Keys such as `80/tcp`. */
  exposedPorts: string[];
}

/** `State` of a container inspect. */
export interface ContainerState {
  status: string;
  running: boolean;
  exitCode: number;
  /** `starting`, `healthy` or `unhealthy`; undefined when the container has no healthcheck. */
  health: string | undefined;
  /** Output of the last healthcheck run, when there is one. */
  lastHealthOutput: string | undefined;
}

/** One entry of `NetworkSettings.Networks`, as returned by inspect. */
export interface NetworkEndpoint {
  aliases: string[];
  links: string[];
  /** Addresses the user asked for (`--ip`), as opposed to the assigned ones below. */
  ipamConfig: Record<string, unknown> | undefined;
  driverOpts: Record<string, string> | undefined;
  ipAddress: string;
  macAddress: string;
}

/** One entry of a container inspect's `Mounts`. */
export interface MountPoint {
  type: string;
  /** Volume name for `volume` mounts; empty for binds. */
  name: string;
  source: string;
  destination: string;
  readWrite: boolean;
}

/** `GET /containers/{id}/json`, reduced to what Bosun uses, with the raw parts a recreate needs. */
export interface ContainerInspect {
  id: string;
  /** Name without the leading `/`. */
  name: string;
  /** Image ID (config digest) the container was created from. */
  imageId: Digest;
  created: Date;
  state: ContainerState;
  config: ContainerConfig;
  networks: Record<string, NetworkEndpoint>;
  mounts: MountPoint[];
  /** Compose project and service, from the `com.docker.compose.*` labels. */
  compose: { project: string; service: string | undefined } | undefined;
  /** `Config` exactly as returned, for fields this type does not name. */
  rawConfig: Record<string, unknown>;
  /** `HostConfig` exactly as returned; a recreate passes it back unchanged. */
  rawHostConfig: Record<string, unknown>;
}

/** One row of `GET /images/json`. */
export interface ImageSummary {
  id: Digest;
  repoTags: string[];
  repoDigests: string[];
  labels: Record<string, string>;
  created: Date;
  size: number;
}

/** `GET /images/{name}/json`, reduced to what Bosun uses. */
export interface ImageInspect {
  /** Image ID: the digest of the image config. */
  id: Digest;
  repoTags: string[];
  /** `name@sha256:...` entries: manifest digests in the registries the image came from. */
  repoDigests: string[];
  /** Uncompressed layer digests, base layer first. */
  diffIds: DiffId[];
  labels: Record<string, string>;
  os: string;
  architecture: string;
  variant: string | undefined;
  /** Defaults a container created from this image inherits. */
  config: ContainerConfig;
}

/** One message of the `/events` stream. */
export interface EngineEvent {
  /** `container`, `image`, `network`, `volume`, `service`, ... */
  type: string;
  /** `create`, `start`, `die`, `destroy`, `health_status: healthy`, ... */
  action: string;
  actor: { id: string; attributes: Record<string, string> };
  scope: string | undefined;
  /** Seconds since the epoch. */
  time: number;
  /** Nanoseconds since the epoch, exact (a JSON number this large loses precision as a double). */
  timeNano: bigint;
}

/** One row of `GET /services`. */
export interface ServiceSummary {
  id: string;
  name: string;
  /** `Spec.TaskTemplate.ContainerSpec.Image`, usually `name:tag@sha256:...`. */
  image: string;
  /** Version index; `updateService` must send it back to detect concurrent updates. */
  version: number;
  labels: Record<string, string>;
  updateStatus: ServiceUpdateStatus | undefined;
}

export interface ServiceUpdateStatus {
  /** `updating`, `paused`, `completed`, `rollback_started`, `rollback_paused` or `rollback_completed`. */
  state: string;
  message: string;
  startedAt: string | undefined;
  completedAt: string | undefined;
}

/** `GET /services/{id}`: the summary plus the spec as returned, to modify and send back. */
export interface ServiceInspect extends ServiceSummary {
  spec: Record<string, unknown>;
  previousSpec: Record<string, unknown> | undefined;
}

/** One row of `GET /tasks`. */
export interface ServiceTask {
  id: string;
  serviceId: string;
  nodeId: string;
  slot: number | undefined;
  version: number;
  /** State the orchestrator is driving the task to, for example `running` or `shutdown`. */
  desiredState: string;
  /** Current state: `new`, `pending`, `running`, `complete`, `failed`, `shutdown`, `rejected`, ... */
  state: string;
  message: string;
  error: string | undefined;
  containerId: string | undefined;
  image: string;
}

/** Registry credentials for a service update, sent base64url-encoded in `X-Registry-Auth`. */
export interface RegistryAuth {
  username?: string;
  password?: string;
  identitytoken?: string;
  serveraddress?: string;
}
