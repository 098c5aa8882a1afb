export { openStore, transaction, type Store, type OpenStoreOptions } from './db.js';
export type { Database } from './schema.js';
export type { Dialect } from './migrations.js';
