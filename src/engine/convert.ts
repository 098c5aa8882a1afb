import type { z } from 'zod';
import type { DiffId, Digest } from '../common/digest.js';
import type {
  containerInspectSchema,
  containerSummarySchema,
  configSchema,
  imageInspectSchema,
  imageSummarySchema,
  serviceSchema,
  taskSchema,
} from './schemas.js';
import type {
  ContainerConfig,
  ContainerInspect,
  ContainerSummary,
  ImageInspect,
  ImageSummary,
  NetworkEndpoint,
  ServiceInspect,
  ServiceSummary,
  ServiceTask,
} from './types.js';

/*
 * Maps validated API responses to Bosun's types. Image IDs and diffIDs are taken as the engine
 * reports them; they name objects on the engine and are compared, never used to read content.
 */

export const COMPOSE_PROJECT_LABEL = 'com.docker.compose.project';
export const COMPOSE_SERVICE_LABEL = 'com.docker.compose.service';

/** Strips the `/` the API puts before container names. */
export function containerName(name: string): string {
  return name.startsWith('/') ? name.slice(1) : name;
}

export function toContainerSummary(row: z.output<typeof containerSummarySchema>): ContainerSummary {
  return {
    id: row.Id,
    names: (row.Names ?? []).map(containerName),
    image: row.Image ?? '',
    imageId: (row.ImageID ?? '') as Digest,
    state: row.State ?? '',
    status: row.Status ?? '',
    labels: row.Labels ?? {},
    created: new Date((row.Created ?? 0) * 1000),
  };
}

export function toContainerConfig(config: z.output<typeof configSchema> | null | undefined): ContainerConfig {
  return {
    image: config?.Image,
    env: config?.Env ?? [],
    cmd: config?.Cmd ?? undefined,
    entrypoint: config?.Entrypoint ?? undefined,
    labels: config?.Labels ?? {},
    healthcheck: config?.Healthcheck ? { ...config.Healthcheck, Test: config.Healthcheck.Test ?? undefined } : undefined,
    user: config?.User ?? '',
    workingDir: config?.WorkingDir ?? '',
    exposedPorts: Object.keys(config?.ExposedPorts ?? {}),
  };
}

export function toContainerInspect(raw: z.output<typeof containerInspectSchema>): ContainerInspect {
  const config = toContainerConfig(raw.Config);
  const project = config.labels[COMPOSE_PROJECT_LABEL];
  const healthLog = raw.State.Health?.Log ?? [];
  const networks: Record<string, NetworkEndpoint> = {};
  for (const [name, network] of Object.entries(raw.NetworkSettings?.Networks ?? {})) {
    networks[name] = {
      aliases: network.Aliases ?? [],
      links: network.Links ?? [],
      ipamConfig: network.IPAMConfig ?? undefined,
      driverOpts: network.DriverOpts ?? undefined,
      ipAddress: network.IPAddress ?? '',
      macAddress: network.MacAddress ?? '',
    };
  }

  return {
    id: raw.Id,
    name: containerName(raw.Name),
    imageId: raw.Image as Digest,
    created: new Date(raw.Created ?? 0),
    state: {
      status: raw.State.Status,
      running: raw.State.Running,
      exitCode: raw.State.ExitCode ?? 0,
      health: raw.State.Health?.Status,
      lastHealthOutput: healthLog.at(-1)?.Output,
    },
    config,
    networks,
    mounts: (raw.Mounts ?? []).map((mount) => ({
      type: mount.Type ?? '',
      name: mount.Name ?? '',
      source: mount.Source ?? '',
      destination: mount.Destination,
      readWrite: mount.RW ?? true,
    })),
    compose: project === undefined ? undefined : { project, service: config.labels[COMPOSE_SERVICE_LABEL] },
    rawConfig: raw.Config as Record<string, unknown>,
    rawHostConfig: raw.HostConfig,
  };
}

export function toImageSummary(row: z.output<typeof imageSummarySchema>): ImageSummary {
  return {
    id: row.Id as Digest,
    repoTags: (row.RepoTags ?? []).filter((tag) => tag !== '<none>:<none>'),
    repoDigests: (row.RepoDigests ?? []).filter((entry) => entry !== '<none>@<none>'),
    labels: row.Labels ?? {},
    created: new Date((row.Created ?? 0) * 1000),
    size: row.Size ?? 0,
  };
}

export function toImageInspect(raw: z.output<typeof imageInspectSchema>): ImageInspect {
  const config = toContainerConfig(raw.Config);
  return {
    id: raw.Id as Digest,
    repoTags: raw.RepoTags ?? [],
    repoDigests: raw.RepoDigests ?? [],
    diffIds: (raw.RootFS?.Layers ?? []) as DiffId[],
    labels: config.labels,
    os: raw.Os ?? '',
    architecture: raw.Architecture ?? '',
    variant: raw.Variant,
    config,
  };
}

export function toServiceSummary(raw: z.output<typeof serviceSchema>): ServiceSummary {
  const update = raw.UpdateStatus;
  return {
    id: raw.ID,
    name: raw.Spec.Name,
    image: raw.Spec.TaskTemplate.ContainerSpec?.Image ?? '',
    version: raw.Version.Index,
    labels: raw.Spec.Labels ?? {},
    updateStatus:
      update === null || update === undefined
        ? undefined
        : { state: update.State ?? '', message: update.Message ?? '', startedAt: update.StartedAt, completedAt: update.CompletedAt },
  };
}

export function toServiceInspect(raw: z.output<typeof serviceSchema>): ServiceInspect {
  return {
    ...toServiceSummary(raw),
    spec: raw.Spec as Record<string, unknown>,
    previousSpec: raw.PreviousSpec ?? undefined,
  };
}

export function toServiceTask(raw: z.output<typeof taskSchema>): ServiceTask {
  return {
    id: raw.ID,
    serviceId: raw.ServiceID ?? '',
    nodeId: raw.NodeID ?? '',
    slot: raw.Slot,
    version: raw.Version?.Index ?? 0,
    desiredState: raw.DesiredState ?? '',
    state: raw.Status?.State ?? '',
    message: raw.Status?.Message ?? '',
    error: raw.Status?.Err || undefined,
    containerId: raw.Status?.ContainerStatus?.ContainerID || undefined,
    image: raw.Spec?.ContainerSpec?.Image ?? '',
  };
}
