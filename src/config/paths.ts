import os from 'node:os';
import path from 'node:path';

/**
 * Resolves the data directory: the `--data-dir` flag, then `BOSUN_DATA_DIR`, then
 * `$XDG_DATA_HOME/bosun`, then `~/.local/share/bosun`.
 */
export function resolveDataDir(flag?: string, env: NodeJS.ProcessEnv = process.env): string {
  if (flag) return path.resolve(flag);
  const fromEnv = env['BOSUN_DATA_DIR'];
  if (fromEnv) return path.resolve(fromEnv);
  const xdg = env['XDG_DATA_HOME'];
  if (xdg) return path.join(path.resolve(xdg), 'bosun');
  return path.join(os.homedir(), '.local', 'share', 'bosun');
}
