import type { Command } from 'commander';
import { registerAudit } from './audit.js';
import { registerAuthz } from './authz.js';
import { registerCheck } from './check.js';
import { registerDb } from './db.js';
import { registerIgnore } from './ignore.js';
import { registerNotify } from './notify.js';
import { registerSbom } from './sbom.js';
import { registerScan } from './scan.js';
import { registerWhere } from './where.js';
import { registerServe } from './serve.js';
import { registerTrust } from './trust.js';

/** Every CLI command, in help order. Each registers itself on the program it is given. */
export const commands: Array<(program: Command) => void> = [registerSbom, registerScan, registerDb, registerTrust, registerAudit, registerServe, registerWhere, registerIgnore, registerNotify, registerAuthz, registerCheck];
