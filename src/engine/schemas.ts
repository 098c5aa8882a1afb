import { z } from 'zod';

/*
 * Zod schemas for the engine responses Bosun reads. Each names only the fields used and keeps the
 * rest (`looseObject`). Docker sends `null` for many empty lists and maps, so those are nullable.
 * Field names and shapes follow the Docker Engine API reference, v1.41 to v1.47; Podman's
 * compatibility API returns the same shapes.
 */

const stringMap = z.record(z.string(), z.string()).nullable().optional();
const stringList = z.array(z.string()).nullable().optional();
const looseRecord = z.record(z.string(), z.unknown());

export const versionSchema = z.looseObject({
  Version: z.string(),
  ApiVersion: z.string(),
  MinAPIVersion: z.string().optional(),
  Os: z.string().optional(),
  Arch: z.string().optional(),
  KernelVersion: z.string().optional(),
  Components: z.array(z.looseObject({ Name: z.string() })).nullable().optional(),
});

export const infoSchema = z.looseObject({
  ID: z.string().optional(),
  Name: z.string().optional(),
  ServerVersion: z.string().optional(),
  OperatingSystem: z.string().optional(),
  Containers: z.number().optional(),
  Images: z.number().optional(),
  Swarm: z
    .looseObject({
      NodeID: z.string().optional(),
      LocalNodeState: z.string().optional(),
      ControlAvailable: z.boolean().optional(),
    })
    .optional(),
});

export const containerSummarySchema = z.looseObject({
  Id: z.string(),
  Names: stringList,
  Image: z.string().optional(),
  ImageID: z.string().optional(),
  State: z.string().optional(),
  Status: z.string().optional(),
  Labels: stringMap,
  Created: z.number().optional(),
});

export const healthcheckSchema = z.looseObject({
  Test: stringList,
  Interval: z.number().optional(),
  Timeout: z.number().optional(),
  StartPeriod: z.number().optional(),
  Retries: z.number().optional(),
});

/** `Config` of a container inspect, and `Config` of an image inspect. */
export const configSchema = z.looseObject({
  Image: z.string().optional(),
  Env: stringList,
  Cmd: stringList,
  Entrypoint: stringList,
  Labels: stringMap,
  Healthcheck: healthcheckSchema.nullable().optional(),
  User: z.string().optional(),
  WorkingDir: z.string().optional(),
  ExposedPorts: looseRecord.nullable().optional(),
});

const networkSchema = z.looseObject({
  Aliases: stringList,
  Links: stringList,
  IPAMConfig: looseRecord.nullable().optional(),
  DriverOpts: stringMap,
  IPAddress: z.string().optional(),
  MacAddress: z.string().optional(),
});

const mountSchema = z.looseObject({
  Type: z.string().optional(),
  Name: z.string().optional(),
  Source: z.string().optional(),
  Destination: z.string(),
  RW: z.boolean().optional(),
});

export const containerInspectSchema = z.looseObject({
  Id: z.string(),
  Name: z.string(),
  Image: z.string(),
  Created: z.string().optional(),
  State: z.looseObject({
    Status: z.string(),
    Running: z.boolean(),
    ExitCode: z.number().optional(),
    Health: z
      .looseObject({
        Status: z.string(),
        Log: z.array(z.looseObject({ Output: z.string().optional() })).nullable().optional(),
      })
      .nullable()
      .optional(),
  }),
  Config: configSchema,
  HostConfig: looseRecord,
  NetworkSettings: z.looseObject({ Networks: z.record(z.string(), networkSchema).nullable().optional() }).nullable().optional(),
  Mounts: z.array(mountSchema).nullable().optional(),
});

export const imageSummarySchema = z.looseObject({
  Id: z.string(),
  RepoTags: stringList,
  RepoDigests: stringList,
  Labels: stringMap,
  Created: z.number().optional(),
  Size: z.number().optional(),
});

export const imageInspectSchema = z.looseObject({
  Id: z.string(),
  RepoTags: stringList,
  RepoDigests: stringList,
  Os: z.string().optional(),
  Architecture: z.string().optional(),
  Variant: z.string().optional(),
  Config: configSchema.nullable().optional(),
  RootFS: z.looseObject({ Type: z.string().optional(), Layers: stringList }).optional(),
});

export const createResponseSchema = z.looseObject({
  Id: z.string(),
  Warnings: stringList,
});

export const eventSchema = z.looseObject({
  Type: z.string(),
  Action: z.string(),
  Actor: z.looseObject({ ID: z.string().optional(), Attributes: stringMap }).optional(),
  scope: z.string().optional(),
  time: z.number().optional(),
  timeNano: z.number().optional(),
});

const versionIndexSchema = z.looseObject({ Index: z.number() });

const updateStatusSchema = z.looseObject({
  State: z.string().optional(),
  Message: z.string().optional(),
  StartedAt: z.string().optional(),
  CompletedAt: z.string().optional(),
});

export const serviceSchema = z.looseObject({
  ID: z.string(),
  Version: versionIndexSchema,
  Spec: z.looseObject({
    Name: z.string(),
    Labels: stringMap,
    TaskTemplate: z.looseObject({
      ContainerSpec: z.looseObject({ Image: z.string().optional() }).optional(),
    }),
  }),
  PreviousSpec: looseRecord.nullable().optional(),
  UpdateStatus: updateStatusSchema.nullable().optional(),
});

export const taskSchema = z.looseObject({
  ID: z.string(),
  ServiceID: z.string().optional(),
  NodeID: z.string().optional(),
  Slot: z.number().optional(),
  Version: versionIndexSchema.optional(),
  DesiredState: z.string().optional(),
  Status: z
    .looseObject({
      State: z.string().optional(),
      Message: z.string().optional(),
      Err: z.string().optional(),
      ContainerStatus: z.looseObject({ ContainerID: z.string().optional() }).nullable().optional(),
    })
    .optional(),
  Spec: z
    .looseObject({
      ContainerSpec: z.looseObject({ Image: z.string().optional() }).optional(),
    })
    .optional(),
});

export const serviceUpdateResponseSchema = z.looseObject({ Warnings: stringList });
