import { Option, type Command } from 'commander';
import { parsePlatform, type OpenTargetOptions } from '../image/index.js';

/** Options shared by every command that opens an image target. */
export interface ImageCommandOptions {
  platform?: string;
  username?: string;
  password?: string;
  insecureRegistry?: string[];
  archiveRef?: string;
  progress?: boolean;
}

/** Adds the image-access options to a command. */
export function addImageOptions(command: Command): Command {
  return command
    .option('--platform <os/arch[/variant]>', 'platform to pick from a multi-platform image (default: this host)')
    .option('--username <name>', 'registry user name (default: $BOSUN_REGISTRY_USERNAME or ~/.docker/config.json)')
    .addOption(
      new Option('--password <secret>', 'registry password or token; prefer $BOSUN_REGISTRY_PASSWORD, which stays out of shell history').hideHelp(false),
    )
    .option('--insecure-registry <host[:port]>', 'reach this registry over plain HTTP (repeatable; loopback always is)', collect, [])
    .option('--archive-ref <repo:tag>', 'image to open from a docker-archive holding several')
    .option('--no-progress', 'do not show layer progress on stderr');
}

/** Turns the command-line options into the image module's options. */
export function openTargetOptions(options: ImageCommandOptions): OpenTargetOptions {
  return {
    platform: options.platform ? parsePlatform(options.platform) : undefined,
    archiveReference: options.archiveRef,
    registry: {
      username: options.username,
      password: options.password,
      insecureRegistries: options.insecureRegistry,
    },
  };
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}
