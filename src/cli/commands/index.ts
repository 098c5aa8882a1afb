import type { Command } from 'commander';

/** Every CLI command, in help order. Each registers itself on the program it is given. */
export const commands: Array<(program: Command) => void> = [];
