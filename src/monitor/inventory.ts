import { setTimeout as sleep } from 'node:timers/promises';
import { BosunError, describeError } from '../common/errors.js';
import { logger, type Logger } from '../common/log.js';
import {
  COMPOSE_PROJECT_LABEL,
  COMPOSE_SERVICE_LABEL,
  EngineClient,
  type ContainerInspect,
  type ContainerSummary,
  type EngineEndpoint,
  type EngineEvent,
} from '../engine/index.js';
import type { Store } from '../store/index.js';
import type { EndpointState } from './types.js';

/** Label Swarm sets on a task's container. */
const SWARM_SERVICE_LABEL = 'com.docker.swarm.service.name';

/** Container actions after which the container is inspected again. */
const CONTAINER_ACTIONS = new Set(['create', 'start', 'restart', 'die', 'stop', 'kill', 'pause', 'unpause', 'rename', 'update', 'oom']);
/** Image actions that can change the manifest digests of an image containers use. */
const IMAGE_ACTIONS = new Set(['pull', 'tag', 'untag', 'push', 'load', 'import', 'delete']);

/** Engine error codes that a retry can cure; any other failure shows the endpoint as `error`. */
const TRANSIENT_CODES = new Set(['engine.socket_missing', 'engine.unreachable', 'engine.connection_lost', 'engine.timeout', 'engine.unavailable']);

/** An image a container uses, to be scanned when the store does not have it yet. */
export interface InventoryImage {
  endpoint: string;
  kind: 'docker' | 'podman';
  imageId: string;
  reference: string;
}

/** A change the inventory reports to its owner. */
export type InventoryChange =
  | { kind: 'images.used'; images: InventoryImage[] }
  | { kind: 'containers.removed'; endpoint: string; digests: string[] };

export interface InventoryOptions {
  store: Store;
  endpoint: EngineEndpoint;
  /** A client for the endpoint; default a new `EngineClient`. */
  client?: EngineClient;
  /** Interval of the full resync, in milliseconds. Default 300 000. */
  resyncIntervalMs?: number;
  /** First reconnect delay, in milliseconds; it doubles per failure up to `maxBackoffMs`. Default 1000. */
  initialBackoffMs?: number;
  /** Maximum reconnect delay, in milliseconds. Default 60 000. */
  maxBackoffMs?: number;
  /** Receives images in use and removed containers; errors it throws are logged. */
  onChange?(change: InventoryChange): Promise<void>;
  logger?: Logger;
}

/**
 * Keeps the `containers` rows of one engine endpoint current: a full resync on connect and
 * every `resyncIntervalMs`, and the event stream in between. A lost connection is retried with
 * exponential backoff, and the endpoint's row shows `reconnecting` (or `error` for failures a
 * retry is unlikely to cure, such as a denied socket) with the last error.
 */
export class Inventory {
  readonly endpoint: EngineEndpoint;
  private readonly store: Store;
  private readonly client: EngineClient;
  private readonly log: Logger;
  private controller: AbortController | undefined;
  private loop: Promise<void> | undefined;
  /** Serialises resyncs and event handling, so a resync never races an event for one container. */
  private queue: Promise<unknown> = Promise.resolve();
  private kind: 'docker' | 'podman' = 'docker';
  private lastTouch = 0;
  /** Swarm services seen at the last resync. */
  swarmServices = 0;

  constructor(private readonly options: InventoryOptions) {
    this.endpoint = options.endpoint;
    this.store = options.store;
    this.client = options.client ?? new EngineClient(options.endpoint);
    this.log = (options.logger ?? logger('monitor.inventory')).child({ endpoint: options.endpoint.name });
    if (options.endpoint.kind === 'podman') this.kind = 'podman';
  }

  /** Starts watching in the background. The endpoint row is written at once, as `reconnecting`. */
  async start(): Promise<void> {
    if (this.controller) return;
    await this.setState('reconnecting', null);
    this.controller = new AbortController();
    this.loop = this.run(this.controller.signal);
  }

  /** Ends the event stream and the loop, and closes the client. */
  async stop(): Promise<void> {
    this.controller?.abort();
    await this.loop;
    await this.queue.catch(() => undefined);
    this.controller = undefined;
    this.loop = undefined;
    await this.client.close();
  }

  private async run(signal: AbortSignal): Promise<void> {
    let failures = 0;
    while (!signal.aborted) {
      try {
        await this.connectAndWatch(signal, () => {
          failures = 0;
        });
      } catch (error) {
        if (signal.aborted) break;
        failures += 1;
        const delayMs = Math.min(this.options.maxBackoffMs ?? 60_000, (this.options.initialBackoffMs ?? 1000) * 2 ** (failures - 1));
        const state = error instanceof BosunError && !TRANSIENT_CODES.has(error.code) ? 'error' : 'reconnecting';
        this.log.warn({ error: describeError(error), state, delayMs, failures }, 'engine endpoint unavailable; retrying');
        await this.setState(state, describeError(error)).catch((storeError: unknown) => this.log.error({ error: describeError(storeError) }, 'cannot record endpoint state'));
        await sleep(delayMs, undefined, { signal }).catch(() => undefined);
      }
    }
  }

  /** Connects once: resyncs, then follows events until the stream fails or `signal` aborts. */
  private async connectAndWatch(signal: AbortSignal, onConnected: () => void): Promise<void> {
    const version = await this.client.version({ signal });
    this.kind = version.kind;
    // Events from just before the resync are replayed; handling them twice is harmless.
    const since = new Date(Date.now() - 2000);
    await this.resync(signal);
    await this.setState('connected', null);
    onConnected();
    this.log.info({ kind: this.kind, version: version.version }, 'engine endpoint connected');

    const timer = setInterval(() => {
      this.resync(signal).catch((error: unknown) => this.log.warn({ error: describeError(error) }, 'periodic resync failed'));
    }, this.options.resyncIntervalMs ?? 300_000);
    try {
      for await (const event of this.client.events({ signal, since, filters: { type: ['container', 'image'] } })) {
        await this.serial(() => this.handleEvent(event, signal));
      }
    } finally {
      clearInterval(timer);
    }
  }

  /**
   * Lists every container (and Swarm services on a manager), upserts them, and marks the rows
   * of containers the engine no longer has as removed. Repairs whatever events were missed.
   */
  resync(signal?: AbortSignal): Promise<void> {
    return this.serial(async () => {
      const containers = await this.client.listContainers({ all: true, signal });
      const now = new Date().toISOString();
      const manifests = new Map<string, string | null>();
      for (const container of containers) {
        const manifest = await this.manifestFor(container.imageId, container.image, manifests, signal);
        await this.upsert(summaryRow(this.endpoint.name, container, manifest, now));
      }
      const removed = await this.markVanished(new Set(containers.map((container) => container.id)), now);
      this.swarmServices = await this.countServices(signal);
      await this.touch(true);
      await this.report(containers, removed);
      this.log.debug({ containers: containers.length, removed: removed.length }, 'inventory resynced');
    });
  }

  private async report(containers: ContainerSummary[], removedDigests: string[]): Promise<void> {
    const images = new Map<string, InventoryImage>();
    for (const container of containers) {
      if (container.imageId) images.set(container.imageId, { endpoint: this.endpoint.name, kind: this.kind, imageId: container.imageId, reference: container.image });
    }
    if (images.size > 0) await this.emit({ kind: 'images.used', images: [...images.values()] });
    if (removedDigests.length > 0) await this.emit({ kind: 'containers.removed', endpoint: this.endpoint.name, digests: removedDigests });
  }

  private async handleEvent(event: EngineEvent, signal: AbortSignal): Promise<void> {
    await this.touch(false);
    if (event.type === 'container' && event.action === 'destroy') return this.containerGone(event.actor.id);
    if (event.type === 'container' && CONTAINER_ACTIONS.has(event.action.split(':')[0]!)) return this.containerChanged(event.actor.id, signal);
    if (event.type === 'image' && IMAGE_ACTIONS.has(event.action)) return this.imageChanged(event.actor.id, signal);
  }

  private async containerChanged(id: string, signal: AbortSignal): Promise<void> {
    let container: ContainerInspect;
    try {
      container = await this.client.inspectContainer(id, { signal });
    } catch (error) {
      if (error instanceof BosunError && error.code === 'engine.not_found') return this.containerGone(id);
      throw error;
    }
    const manifest = await this.manifestFor(container.imageId, container.config.image ?? container.imageId, new Map(), signal);
    await this.upsert(inspectRow(this.endpoint.name, container, manifest, new Date().toISOString()));
    const reference = container.config.image ?? container.imageId;
    await this.emit({ kind: 'images.used', images: [{ endpoint: this.endpoint.name, kind: this.kind, imageId: container.imageId, reference }] });
  }

  private async containerGone(id: string): Promise<void> {
    const row = await this.store.db
      .updateTable('containers')
      .set({ removed_at: new Date().toISOString(), state: 'removed' })
      .where('endpoint', '=', this.endpoint.name)
      .where('id', '=', id)
      .where('removed_at', 'is', null)
      .returning('image_config_digest')
      .executeTakeFirst();
    if (row?.image_config_digest) await this.emit({ kind: 'containers.removed', endpoint: this.endpoint.name, digests: [row.image_config_digest] });
  }

  /** Refreshes the manifest digest of containers that use an image whose tags or digests changed. */
  private async imageChanged(nameOrId: string, signal: AbortSignal): Promise<void> {
    let image;
    try {
      image = await this.client.inspectImage(nameOrId, { signal });
    } catch (error) {
      if (error instanceof BosunError && (error.code === 'engine.not_found' || error.code === 'input.invalid')) return;
      throw error;
    }
    const rows = await this.store.db
      .selectFrom('containers')
      .select(['id', 'image_reference'])
      .where('endpoint', '=', this.endpoint.name)
      .where('image_config_digest', '=', image.id)
      .where('removed_at', 'is', null)
      .execute();
    for (const row of rows) {
      const manifest = manifestDigestOf(image.repoDigests, row.image_reference);
      await this.store.db.updateTable('containers').set({ image_manifest_digest: manifest }).where('endpoint', '=', this.endpoint.name).where('id', '=', row.id).execute();
    }
  }

  private async manifestFor(imageId: string, reference: string, cache: Map<string, string | null>, signal?: AbortSignal): Promise<string | null> {
    const key = `${imageId}\u0000${reference}`;
    if (cache.has(key)) return cache.get(key)!;
    let manifest: string | null = null;
    try {
      manifest = manifestDigestOf((await this.client.inspectImage(imageId, { signal })).repoDigests, reference);
    } catch (error) {
      // An image removed with --force leaves its containers; they keep running without it.
      if (!(error instanceof BosunError && (error.code === 'engine.not_found' || error.code === 'input.invalid'))) throw error;
    }
    cache.set(key, manifest);
    return manifest;
  }

  private async upsert(row: ContainerRow): Promise<void> {
    const { first_seen_at: _first, endpoint: _endpoint, id: _id, ...changes } = row;
    await this.store.db
      .insertInto('containers')
      .values(row)
      .onConflict((conflict) => conflict.columns(['endpoint', 'id']).doUpdateSet(changes))
      .execute();
  }

  /** Marks rows of this endpoint whose container is gone; returns the image digests they used. */
  private async markVanished(present: Set<string>, now: string): Promise<string[]> {
    const rows = await this.store.db
      .selectFrom('containers')
      .select(['id', 'image_config_digest'])
      .where('endpoint', '=', this.endpoint.name)
      .where('removed_at', 'is', null)
      .execute();
    const gone = rows.filter((row) => !present.has(row.id));
    for (const row of gone) {
      await this.store.db.updateTable('containers').set({ removed_at: now, state: 'removed' }).where('endpoint', '=', this.endpoint.name).where('id', '=', row.id).execute();
    }
    return [...new Set(gone.map((row) => row.image_config_digest).filter((digest): digest is string => digest !== null))];
  }

  /**
   * Counts Swarm services on a manager node. Task containers on this node already carry their
   * service name; tasks on other nodes are seen only through an endpoint for those nodes.
   */
  private async countServices(signal?: AbortSignal): Promise<number> {
    if (this.kind === 'podman') return 0;
    const info = await this.client.info({ signal });
    if (!info.swarm.controlAvailable) return 0;
    return (await this.client.listServices({ signal })).length;
  }

  private async emit(change: InventoryChange): Promise<void> {
    try {
      await this.options.onChange?.(change);
    } catch (error) {
      this.log.error({ error: describeError(error), change: change.kind }, 'inventory change handler failed');
    }
  }

  private serial<T>(work: () => Promise<T>): Promise<T> {
    const next = this.queue.then(work, work);
    this.queue = next.catch(() => undefined);
    return next;
  }

  /** Records that the engine answered; from events at most every 30 s, to spare the store. */
  private async touch(force: boolean): Promise<void> {
    const now = Date.now();
    if (!force && now - this.lastTouch < 30_000) return;
    this.lastTouch = now;
    const timestamp = new Date(now).toISOString();
    await this.store.db.updateTable('endpoints').set({ last_seen_at: timestamp }).where('name', '=', this.endpoint.name).execute();
  }

  private async setState(state: EndpointState, lastError: string | null): Promise<void> {
    const now = new Date().toISOString();
    // An endpoint configured without a kind learns it from the engine once connected.
    let kind = this.endpoint.kind;
    if (kind === 'unknown' && state === 'connected') kind = this.kind;
    await this.store.db
      .insertInto('endpoints')
      .values({ name: this.endpoint.name, url: this.endpoint.url, kind, state, last_error: lastError, last_seen_at: state === 'connected' ? now : null, updated_at: now })
      .onConflict((conflict) =>
        conflict.column('name').doUpdateSet({
          url: this.endpoint.url,
          kind,
          state,
          last_error: lastError,
          updated_at: now,
          ...(state === 'connected' && { last_seen_at: now }),
        }),
      )
      .execute();
  }
}

type ContainerRow = {
  endpoint: string;
  id: string;
  name: string;
  image_reference: string;
  image_config_digest: string | null;
  image_manifest_digest: string | null;
  compose_project: string | null;
  compose_service: string | null;
  swarm_service: string | null;
  state: string;
  labels: string;
  first_seen_at: string;
  last_seen_at: string;
  removed_at: string | null;
};

function summaryRow(endpoint: string, container: ContainerSummary, manifest: string | null, now: string): ContainerRow {
  return containerRow(endpoint, container.id, container.names[0] ?? container.id, container.image, container.imageId, container.state, container.labels, manifest, now);
}

function inspectRow(endpoint: string, container: ContainerInspect, manifest: string | null, now: string): ContainerRow {
  const reference = container.config.image ?? container.imageId;
  return containerRow(endpoint, container.id, container.name, reference, container.imageId, container.state.status, container.config.labels, manifest, now);
}

function containerRow(
  endpoint: string,
  id: string,
  name: string,
  reference: string,
  imageId: string,
  state: string,
  labels: Record<string, string>,
  manifest: string | null,
  now: string,
): ContainerRow {
  return {
    endpoint,
    id,
    name,
    image_reference: reference,
    image_config_digest: normaliseImageId(imageId),
    image_manifest_digest: manifest,
    compose_project: labels[COMPOSE_PROJECT_LABEL] ?? null,
    compose_service: labels[COMPOSE_SERVICE_LABEL] ?? null,
    swarm_service: labels[SWARM_SERVICE_LABEL] ?? null,
    state,
    labels: JSON.stringify(labels),
    first_seen_at: now,
    last_seen_at: now,
    removed_at: null,
  };
}

/** Podman's compatibility API returns some image IDs as bare hex; the store keys on `sha256:<hex>`. */
function normaliseImageId(imageId: string): string | null {
  if (imageId === '') return null;
  return /^[a-f0-9]{64}$/.test(imageId) ? `sha256:${imageId}` : imageId;
}

/**
 * Picks the manifest digest of an image from its `RepoDigests` (`name@sha256:…`). An image
 * pushed to or pulled from several repositories can have a different manifest per repository;
 * the one for the repository of `reference` wins, and otherwise a digest counts only when every
 * entry has the same one. Returns null when there is none or the choice is ambiguous.
 */
export function manifestDigestOf(repoDigests: readonly string[], reference: string): string | null {
  const parsed = repoDigests
    .map((entry) => {
      const at = entry.lastIndexOf('@');
      return at < 0 ? undefined : { repository: entry.slice(0, at), digest: entry.slice(at + 1) };
    })
    .filter((entry): entry is { repository: string; digest: string } => entry !== undefined);
  if (parsed.length === 0) return null;

  const repository = repositoryOf(reference);
  const own = [...new Set(parsed.filter((entry) => entry.repository === repository).map((entry) => entry.digest))];
  if (own.length === 1) return own[0]!;
  const all = [...new Set(parsed.map((entry) => entry.digest))];
  return all.length === 1 ? all[0]! : null;
}

/** The repository part of a reference: without tag or digest. */
function repositoryOf(reference: string): string {
  const withoutDigest = reference.split('@')[0] ?? reference;
  const slash = withoutDigest.lastIndexOf('/');
  const colon = withoutDigest.lastIndexOf(':');
  return colon > slash ? withoutDigest.slice(0, colon) : withoutDigest;
}
