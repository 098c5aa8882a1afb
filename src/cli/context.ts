import type { Command } from 'commander';
import { setLogLevel } from '../common/log.js';
import { resolveDataDir } from '../config/paths.js';
import { openStore, type Store } from '../store/index.js';

/** Options every command takes, set on the root program. */
export interface GlobalOptions {
  dataDir?: string;
  databaseUrl?: string;
  logLevel?: string;
}

/** Reads the root program's options from inside a subcommand's action. */
export function globalOptions(command: Command): GlobalOptions {
  let root = command;
  while (root.parent) root = root.parent;
  return root.opts<GlobalOptions>();
}

/** Opens the store named by the global options; the caller closes it. */
export async function openCommandStore(command: Command): Promise<Store> {
  const options = globalOptions(command);
  if (options.logLevel) setLogLevel(options.logLevel);
  return openStore({
    dataDir: resolveDataDir(options.dataDir),
    databaseUrl: options.databaseUrl ?? process.env['BOSUN_DATABASE_URL'],
  });
}

/** Runs `work` with an open store and closes it afterwards, also on error. */
export async function withStore<T>(command: Command, work: (store: Store) => Promise<T>): Promise<T> {
  const store = await openCommandStore(command);
  try {
    return await work(store);
  } finally {
    await store.close();
  }
}
