#!/usr/bin/env node
// Makes the CLI entry point executable after tsc, so `npx bosun` works in a checkout.
import { chmodSync, existsSync } from 'node:fs';
if (existsSync('dist/cli/main.js')) chmodSync('dist/cli/main.js', 0o755);
