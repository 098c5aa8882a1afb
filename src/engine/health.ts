import { setTimeout as sleep } from 'node:timers/promises';
import { truncate } from '../common/digest.js';
import { EngineError } from '../common/errors.js';
import type { ContainerInspect } from './types.js';

export interface WaitHealthyOptions {
  /** Milliseconds to wait in total before failing with `engine.health_timeout`. */
  timeoutMs: number;
  /** Milliseconds between two inspects. Default 1000. */
  intervalMs?: number;
  signal?: AbortSignal;
}

/** Reports whether a container runs a healthcheck: one is configured and it is not `["NONE"]`. */
export function hasHealthcheck(inspect: ContainerInspect): boolean {
  const test = inspect.config.healthcheck?.Test;
  if (inspect.state.health !== undefined) return true;
  return test !== undefined && test.length > 0 && test[0] !== 'NONE';
}

/**
 * Polls `inspect` until the container is healthy, or running when it has no healthcheck.
 *
 * NOTE: Podman runs healthchecks from systemd timers; without systemd the status stays
 * `starting` and this times out. Call it only where the engine runs the checks.
 *
 * @returns the last inspect.
 * @throws EngineError `engine.unhealthy` when the healthcheck reports unhealthy,
 *   `engine.container_exited` when the container stops, `engine.health_timeout` after `timeoutMs`.
 *   When `signal` aborts, its reason.
 */
export async function waitHealthy(
  inspect: (signal: AbortSignal | undefined) => Promise<ContainerInspect>,
  endpoint: string,
  id: string,
  options: WaitHealthyOptions,
): Promise<ContainerInspect> {
  const deadline = Date.now() + options.timeoutMs;
  const intervalMs = options.intervalMs ?? 1000;
  for (;;) {
    options.signal?.throwIfAborted();
    const current = await inspect(options.signal);
    if (isReady(current, endpoint, id)) return current;

    const remaining = deadline - Date.now();
    if (remaining <= 0) {
      const status = current.state.health ?? current.state.status;
      throw new EngineError('engine.health_timeout', `container ${id} on ${endpoint} is not healthy after ${options.timeoutMs} ms (status: ${status})`, {
        endpoint,
        hint: 'check the healthcheck with `docker inspect --format "{{json .State.Health}}"`, or allow more time',
      });
    }
    await sleep(Math.min(intervalMs, remaining), undefined, { signal: options.signal });
  }
}

/** True when ready; throws when the container can no longer become ready. */
function isReady(current: ContainerInspect, endpoint: string, id: string): boolean {
  const { state } = current;
  if (!state.running && state.status !== 'created' && state.status !== 'restarting') {
    throw new EngineError('engine.container_exited', `container ${id} on ${endpoint} stopped with exit code ${state.exitCode} (status: ${state.status})`, {
      endpoint,
      hint: 'read its output with `docker logs`',
    });
  }
  if (!hasHealthcheck(current)) return state.running;

  if (state.health === 'unhealthy') {
    const output = state.lastHealthOutput === undefined ? '' : `: ${truncate(state.lastHealthOutput.trim(), 300)}`;
    throw new EngineError('engine.unhealthy', `container ${id} on ${endpoint} is unhealthy${output}`, {
      endpoint,
      hint: 'read the healthcheck log with `docker inspect --format "{{json .State.Health}}"` and the container output with `docker logs`',
    });
  }
  return state.running && state.health === 'healthy';
}
