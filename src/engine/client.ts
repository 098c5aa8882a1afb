import { z } from 'zod';
import { truncate } from '../common/digest.js';
import { EngineError, InputError } from '../common/errors.js';
import { logger } from '../common/log.js';
import { negotiateApiVersion, parseApiVersion } from './api-version.js';
import {
  toContainerInspect,
  toContainerSummary,
  toImageInspect,
  toImageSummary,
  toServiceInspect,
  toServiceSummary,
  toServiceTask,
} from './convert.js';
import type { EngineEndpoint } from './endpoint.js';
import { streamEvents, type EventsOptions } from './events.js';
import { waitHealthy, type WaitHealthyOptions } from './health.js';
import { recreateSpec, type CreateContainerBody, type RecreateSpec } from './recreate.js';
import {
  containerInspectSchema,
  containerSummarySchema,
  createResponseSchema,
  imageInspectSchema,
  imageSummarySchema,
  infoSchema,
  serviceSchema,
  serviceUpdateResponseSchema,
  taskSchema,
  versionSchema,
} from './schemas.js';
import { EngineTransport, type CallOptions } from './transport.js';
import type {
  ApiVersion,
  ContainerInspect,
  ContainerSummary,
  EngineEvent,
  EngineInfo,
  EngineVersion,
  ImageInspect,
  ImageSummary,
  RegistryAuth,
  ServiceInspect,
  ServiceSummary,
  ServiceTask,
} from './types.js';

const log = logger('engine');

export interface EngineClientOptions {
  /** Milliseconds one API call may take, response included. Default 30 000. */
  timeoutMs?: number;
  /** Largest JSON response read, in bytes. Default 64 MiB. */
  maxResponseBytes?: number;
}

/** Per-call options. */
export interface RequestOptions {
  signal?: AbortSignal;
}

/** Engine filters, for example `{ label: ['com.docker.compose.project=web'] }`. */
export type Filters = Record<string, string[]>;

/** Container IDs and names: `[a-zA-Z0-9][a-zA-Z0-9_.-]*`, as Docker allows for names. */
const OBJECT_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,254}$/;
/** Image names and IDs as they go into a path: no spaces, `?`, `#` or `%`. */
const IMAGE_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._\-/:@]{0,511}$/;

const SWARM_HINTS = {
  503: 'this engine is not a swarm manager: run against a manager node, or `docker swarm init` first',
};

/**
 * A client for the Docker Engine API, as served by Docker and by Podman's compatibility layer.
 *
 * It negotiates the API version on first use (the lower of the engine's and `CLIENT_API_VERSION`),
 * validates every JSON response, and fails with `EngineError`s classified by HTTP status or
 * connection error. Every call has a timeout and takes an AbortSignal.
 */
export class EngineClient {
  readonly endpoint: EngineEndpoint;
  private readonly transport: EngineTransport;
  private negotiated: Promise<{ version: EngineVersion; apiVersion: ApiVersion }> | undefined;

  constructor(endpoint: EngineEndpoint, options: EngineClientOptions = {}) {
    this.endpoint = endpoint;
    this.transport = new EngineTransport(endpoint, {
      timeoutMs: options.timeoutMs ?? 30_000,
      maxResponseBytes: options.maxResponseBytes ?? 64 * 1024 * 1024,
    });
  }

  /** Checks that the engine responds OK to `GET /_ping`. */
  async ping(options: RequestOptions = {}): Promise<void> {
    const { body } = await this.transport.call('/_ping', { subject: 'ping', signal: options.signal });
    if (body.toString('utf8').trim() !== 'OK') {
      throw new EngineError('engine.invalid_response', `${this.transport.describe()} returned "${truncate(body.toString('utf8'), 40)}" for ping, expected OK`, {
        endpoint: this.endpoint.url,
        hint: 'check that the address points at a Docker or Podman API socket',
      });
    }
  }

  /** Returns the engine's version; the result is cached and also fixes the API version used. */
  async version(options: RequestOptions = {}): Promise<EngineVersion> {
    return (await this.negotiate(options)).version;
  }

  /** Returns the API version this client uses with the engine, negotiating it on first use. */
  async apiVersion(options: RequestOptions = {}): Promise<ApiVersion> {
    return (await this.negotiate(options)).apiVersion;
  }

  /** Returns engine facts and its Swarm state. */
  async info(options: RequestOptions = {}): Promise<EngineInfo> {
    const raw = await this.get('/info', infoSchema, { subject: 'engine info', ...options });
    return {
      id: raw.ID ?? '',
      name: raw.Name ?? '',
      serverVersion: raw.ServerVersion ?? '',
      operatingSystem: raw.OperatingSystem ?? '',
      containers: raw.Containers ?? 0,
      images: raw.Images ?? 0,
      swarm: {
        localNodeState: raw.Swarm?.LocalNodeState ?? 'inactive',
        controlAvailable: raw.Swarm?.ControlAvailable ?? false,
        nodeId: raw.Swarm?.NodeID ?? '',
      },
    };
  }

  /** Lists containers: running ones, or all with `all: true`. */
  async listContainers(options: RequestOptions & { all?: boolean; filters?: Filters } = {}): Promise<ContainerSummary[]> {
    const rows = await this.get('/containers/json', z.array(containerSummarySchema), {
      subject: 'the container list',
      query: { all: options.all ?? false, filters: filtersQuery(options.filters) },
      signal: options.signal,
    });
    return rows.map(toContainerSummary);
  }

  /** Inspects a container by ID or name. */
  async inspectContainer(id: string, options: RequestOptions = {}): Promise<ContainerInspect> {
    checkName(id, 'container');
    const raw = await this.get(`/containers/${id}/json`, containerInspectSchema, { subject: `container ${id}`, signal: options.signal });
    return toContainerInspect(raw);
  }

  /** Lists images, without intermediate layers. */
  async listImages(options: RequestOptions & { filters?: Filters } = {}): Promise<ImageSummary[]> {
    const rows = await this.get('/images/json', z.array(imageSummarySchema), {
      subject: 'the image list',
      query: { filters: filtersQuery(options.filters) },
      signal: options.signal,
    });
    return rows.map(toImageSummary);
  }

  /** Inspects an image by reference (`lab/app:1`) or ID. */
  async inspectImage(nameOrId: string, options: RequestOptions = {}): Promise<ImageInspect> {
    if (!IMAGE_NAME_PATTERN.test(nameOrId)) {
      throw new InputError(`invalid image name "${truncate(nameOrId)}"`, { hint: 'write a name such as lab/app:1 or an image ID' });
    }
    const raw = await this.get(`/images/${nameOrId}/json`, imageInspectSchema, { subject: `image ${nameOrId}`, signal: options.signal });
    return toImageInspect(raw);
  }

  /**
   * Streams engine events. The iterator ends without an error when `options.signal` aborts or
   * `until` passes. It throws an EngineError when the connection drops or the engine ends the
   * stream early, so that the caller can reconnect with `since` set to the last event's time.
   */
  async *events(options: EventsOptions): AsyncGenerator<EngineEvent, void, undefined> {
    if (options.signal.aborted) return;
    let prefix: string;
    try {
      prefix = await this.prefix({ signal: options.signal });
    } catch (error) {
      if (options.signal.aborted) return;
      throw error;
    }
    yield* streamEvents(this.transport, `${prefix}/events`, options);
  }

  /** Lists Swarm services. Needs a manager node. */
  async listServices(options: RequestOptions & { filters?: Filters } = {}): Promise<ServiceSummary[]> {
    const rows = await this.get('/services', z.array(serviceSchema), {
      subject: 'the service list',
      query: { filters: filtersQuery(options.filters) },
      hints: SWARM_HINTS,
      signal: options.signal,
    });
    return rows.map(toServiceSummary);
  }

  /** Inspects a Swarm service by ID or name. */
  async inspectService(id: string, options: RequestOptions = {}): Promise<ServiceInspect> {
    checkName(id, 'service');
    const raw = await this.get(`/services/${id}`, serviceSchema, { subject: `service ${id}`, hints: SWARM_HINTS, signal: options.signal });
    return toServiceInspect(raw);
  }

  /**
   * Replaces a service's spec. `version` is the index read with the spec; the engine rejects the
   * update when the service changed since then.
   *
   * @returns the engine's warnings, for example an image it could not resolve to a digest.
   */
  async updateService(id: string, version: number, spec: Record<string, unknown>, options: RequestOptions & { registryAuth?: RegistryAuth } = {}): Promise<{ warnings: string[] }> {
    checkName(id, 'service');
    const headers = options.registryAuth === undefined ? undefined : { 'x-registry-auth': encodeRegistryAuth(options.registryAuth) };
    const raw = await this.post(`/services/${id}/update`, serviceUpdateResponseSchema, {
      subject: `service ${id}`,
      query: { version },
      body: spec,
      headers,
      hints: { ...SWARM_HINTS, 500: 'the engine rejected the update; if the message says "update out of sequence", inspect the service again and retry' },
      signal: options.signal,
    });
    log.info({ endpoint: this.endpoint.name, service: id, version }, 'updated service');
    return { warnings: raw.Warnings ?? [] };
  }

  /** Lists the tasks of a Swarm service, current and recent ones. */
  async serviceTasks(serviceId: string, options: RequestOptions = {}): Promise<ServiceTask[]> {
    checkName(serviceId, 'service');
    const rows = await this.get('/tasks', z.array(taskSchema), {
      subject: `tasks of service ${serviceId}`,
      query: { filters: filtersQuery({ service: [serviceId] }) },
      hints: SWARM_HINTS,
      signal: options.signal,
    });
    return rows.map(toServiceTask);
  }

  /** Creates a container named `name` (not started). */
  async createContainer(name: string, body: CreateContainerBody, options: RequestOptions = {}): Promise<{ id: string; warnings: string[] }> {
    checkName(name, 'container');
    const raw = await this.post('/containers/create', createResponseSchema, {
      subject: `container ${name}`,
      query: { name },
      body,
      hints: { 404: `image ${body.Image} is not on the engine: pull it first`, 409: `the name ${name} is in use: rename or remove that container first` },
      signal: options.signal,
    });
    log.debug({ endpoint: this.endpoint.name, container: name, id: raw.Id, image: body.Image }, 'created container');
    return { id: raw.Id, warnings: raw.Warnings ?? [] };
  }

  /**
   * Creates a container from a `recreateSpec` result, then connects the networks the engine did
   * not take at create. On failure to connect it removes the new container again.
   */
  async createFromSpec(name: string, spec: RecreateSpec, options: RequestOptions = {}): Promise<{ id: string; warnings: string[] }> {
    const created = await this.createContainer(name, spec.body, options);
    try {
      for (const { network, endpointConfig } of spec.extraNetworks) {
        await this.connectNetwork(network, created.id, endpointConfig, options);
      }
    } catch (error) {
      await this.removeContainer(created.id, { force: true }).catch((cleanupError: unknown) => {
        log.warn({ endpoint: this.endpoint.name, id: created.id, err: cleanupError }, 'could not remove a half-created container');
      });
      throw error;
    }
    return created;
  }

  /** Starts a container; a container already running counts as success. */
  async startContainer(id: string, options: RequestOptions = {}): Promise<void> {
    checkName(id, 'container');
    await this.send(`/containers/${id}/start`, { method: 'POST', subject: `container ${id}`, okStatuses: [304], signal: options.signal });
  }

  /** Stops a container, killing it after `timeoutSec` seconds; a stopped container counts as success. */
  async stopContainer(id: string, timeoutSec: number, options: RequestOptions = {}): Promise<void> {
    checkName(id, 'container');
    if (!Number.isInteger(timeoutSec) || timeoutSec < 0) throw new InputError(`invalid stop timeout ${timeoutSec}: expected whole seconds, 0 or more`);
    await this.send(`/containers/${id}/stop`, {
      method: 'POST',
      subject: `container ${id}`,
      query: { t: timeoutSec },
      okStatuses: [304],
      // The engine responds only once the container has stopped.
      timeoutMs: timeoutSec * 1000 + this.defaultTimeoutMs(),
      signal: options.signal,
    });
  }

  /** Renames a container. */
  async renameContainer(id: string, newName: string, options: RequestOptions = {}): Promise<void> {
    checkName(id, 'container');
    checkName(newName, 'container');
    await this.send(`/containers/${id}/rename`, {
      method: 'POST',
      subject: `container ${id}`,
      query: { name: newName },
      hints: { 409: `the name ${newName} is in use: rename or remove that container first` },
      signal: options.signal,
    });
  }

  /** Removes a container; `force` kills it first when running, `volumes` removes its anonymous volumes. */
  async removeContainer(id: string, options: RequestOptions & { force?: boolean; volumes?: boolean } = {}): Promise<void> {
    checkName(id, 'container');
    await this.send(`/containers/${id}`, {
      method: 'DELETE',
      subject: `container ${id}`,
      query: { force: options.force ?? false, v: options.volumes ?? false },
      signal: options.signal,
    });
  }

  /** Connects a container to a network, with endpoint settings such as `Aliases` or `IPAMConfig`. */
  async connectNetwork(network: string, containerId: string, endpointConfig: Record<string, unknown> = {}, options: RequestOptions = {}): Promise<void> {
    checkName(network, 'network');
    checkName(containerId, 'container');
    await this.send(`/networks/${network}/connect`, {
      method: 'POST',
      subject: `network ${network}`,
      body: { Container: containerId, EndpointConfig: endpointConfig },
      signal: options.signal,
    });
  }

  /** Polls until a container is healthy (or running, without a healthcheck). See `waitHealthy` in health.ts. */
  async waitHealthy(id: string, options: WaitHealthyOptions): Promise<ContainerInspect> {
    checkName(id, 'container');
    return waitHealthy((signal) => this.inspectContainer(id, { signal }), this.endpoint.url, id, options);
  }

  /**
   * Builds the recreate spec for a container with this engine's API version, and with the old
   * image's defaults when that image is still present (see `recreateSpec`).
   */
  async planRecreate(container: ContainerInspect, newImage: string, options: RequestOptions = {}): Promise<RecreateSpec> {
    const apiVersion = await this.apiVersion(options);
    let imageDefaults;
    try {
      imageDefaults = (await this.inspectImage(container.imageId, options)).config;
    } catch (error) {
      if (!(error instanceof EngineError) || error.code !== 'engine.not_found') throw error;
    }
    const spec = recreateSpec(container, newImage, { apiVersion, imageDefaults });
    if (imageDefaults === undefined) {
      spec.notCarried.push(`image ${container.imageId} is gone, so values the container inherited from it are pinned instead of taken from the new image`);
    }
    return spec;
  }

  /** Closes the connections. */
  async close(): Promise<void> {
    await this.transport.close();
  }

  private negotiate(options: RequestOptions): Promise<{ version: EngineVersion; apiVersion: ApiVersion }> {
    if (this.negotiated === undefined) {
      const attempt = this.fetchVersion(options);
      this.negotiated = attempt;
      // A failed attempt is not cached, so the next call requests the version again.
      attempt.catch(() => {
        if (this.negotiated === attempt) this.negotiated = undefined;
      });
    }
    return this.negotiated;
  }

  private async fetchVersion(options: RequestOptions): Promise<{ version: EngineVersion; apiVersion: ApiVersion }> {
    const raw = await this.transport.json('/version', versionSchema, { subject: 'the engine version', signal: options.signal });
    const serverApi = parseApiVersion(raw.ApiVersion);
    if (serverApi === undefined) {
      throw new EngineError('engine.invalid_response', `${this.transport.describe()} reported API version "${truncate(raw.ApiVersion, 40)}"`, {
        endpoint: this.endpoint.url,
        hint: 'check that the address points at a Docker or Podman API socket',
      });
    }
    const minApi = raw.MinAPIVersion === undefined ? undefined : parseApiVersion(raw.MinAPIVersion);
    const version: EngineVersion = {
      version: raw.Version,
      apiVersion: serverApi,
      minApiVersion: minApi,
      kind: (raw.Components ?? []).some((component) => component.Name === 'Podman Engine') ? 'podman' : 'docker',
      os: raw.Os ?? '',
      arch: raw.Arch ?? '',
      kernelVersion: raw.KernelVersion,
    };
    const apiVersion = negotiateApiVersion(serverApi, minApi, this.endpoint.url);
    log.debug({ endpoint: this.endpoint.name, engine: version.kind, version: version.version, apiVersion }, 'negotiated engine API version');
    return { version, apiVersion };
  }

  private async prefix(options: RequestOptions): Promise<string> {
    return `/v${await this.apiVersion(options)}`;
  }

  private async get<S extends z.ZodType>(path: string, schema: S, call: CallOptions): Promise<z.output<S>> {
    return this.transport.json(`${await this.prefix(call)}${path}`, schema, call);
  }

  private async post<S extends z.ZodType>(path: string, schema: S, call: CallOptions): Promise<z.output<S>> {
    return this.transport.json(`${await this.prefix(call)}${path}`, schema, { ...call, method: 'POST' });
  }

  private async send(path: string, call: CallOptions): Promise<void> {
    await this.transport.call(`${await this.prefix(call)}${path}`, call);
  }

  private defaultTimeoutMs(): number {
    return this.transport.timeoutMs;
  }
}

function checkName(value: string, what: string): void {
  if (!OBJECT_NAME_PATTERN.test(value)) {
    throw new InputError(`invalid ${what} name or ID "${truncate(value)}"`, {
      hint: `a ${what} name or ID starts with a letter or digit and contains only letters, digits, "_", "." and "-"`,
    });
  }
}

function filtersQuery(filters: Filters | undefined): string | undefined {
  return filters === undefined || Object.keys(filters).length === 0 ? undefined : JSON.stringify(filters);
}

/** Encodes credentials as the engine expects in `X-Registry-Auth`: base64url of the JSON. */
function encodeRegistryAuth(auth: RegistryAuth): string {
  return Buffer.from(JSON.stringify(auth), 'utf8').toString('base64url');
}
