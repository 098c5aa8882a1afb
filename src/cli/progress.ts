import cliProgress from 'cli-progress';
import type { LayerProgress } from '../catalog/index.js';

/** Layer progress on stderr: one bar per image, advancing per layer, with bytes read. */
export interface LayerProgressDisplay {
  onLayer(progress: LayerProgress): void;
  stop(): void;
}

/**
 * Returns a progress display when stderr is a terminal and progress is wanted, and a silent
 * one otherwise, so that piped and CI output stays clean.
 */
export function layerProgress(enabled: boolean, stream: NodeJS.WriteStream = process.stderr): LayerProgressDisplay {
  if (!enabled || !stream.isTTY) return { onLayer() {}, stop() {} };

  const bar = new cliProgress.SingleBar(
    {
      stream,
      format: 'layers {bar} {value}/{total}  {layer}  {size}{cached}',
      barsize: 24,
      hideCursor: true,
      clearOnComplete: true,
      fps: 10,
    },
    cliProgress.Presets.shades_classic,
  );
  let started = false;

  return {
    onLayer(progress) {
      const payload = {
        layer: progress.diffId.slice(7, 19),
        size: formatBytes(progress.bytes),
        cached: progress.cached ? ' (cached)' : '',
      };
      if (!started) {
        bar.start(progress.count, 0, payload);
        started = true;
      }
      bar.update(progress.index + (progress.done ? 1 : 0), payload);
    },
    stop() {
      if (started) bar.stop();
    },
  };
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}
