import { randomUUID } from 'node:crypto';
import type { Command } from 'commander';
import { BosunError, InputError } from '../../common/errors.js';
import { loadConfig } from '../../config/index.js';
import { createChannel, deliver, type Channel, type Notice } from '../../notify/index.js';
import { writeOutput } from '../output.js';

interface TestOptions {
  config?: string;
  channelJson?: string;
  timeout: string;
}

/** `bosun notify test CHANNEL`: send a test notice through one configured channel. */
export function registerNotify(program: Command): void {
  const notify = program.command('notify').description('Work with notification channels');

  notify
    .command('test')
    .description('Send a test notice through a channel from the service config, or one given as JSON')
    .argument('<channel>', 'channel name')
    .option('--config <file>', 'service config file (YAML) whose `channels` list names the channel')
    .option('--channel-json <json>', 'the channel entry itself, as in the config: {"name":"ops","type":"webhook","url":"…","secret":"…"}')
    .option('--timeout <seconds>', 'time allowed for the delivery, in seconds', '60')
    .action(async (name: string, options: TestOptions) => {
      const channel = await loadChannel(name, options);
      const timeoutSec = Number(options.timeout);
      if (!(timeoutSec > 0)) throw new InputError(`invalid --timeout "${options.timeout}"`, { hint: 'give a number of seconds, such as 60' });

      const notice: Notice = {
        id: `test:${randomUUID()}`,
        kind: 'test',
        title: 'Bosun test notice',
        body: `This is a test notice sent by \`bosun notify test ${name}\`. If you can read it, the ${channel.type} channel works.`,
        severity: 'none',
        createdAt: new Date(),
      };
      const result = await deliver(channel, notice, { attempts: 1, baseDelayMs: 0, signal: AbortSignal.timeout(timeoutSec * 1000) });
      if (!result.ok) {
        throw new BosunError('notify.failed', `test notice to channel "${name}" failed: ${result.error}`, {
          hint: result.permanent ? 'fix the channel settings (URL, token, credentials) and try again' : 'the receiver may be down or busy; try again later',
        });
      }
      await writeOutput(`Sent a test notice to ${channel.type} channel "${name}".\n`);
    });
}

async function loadChannel(name: string, options: TestOptions): Promise<Channel> {
  if (options.channelJson !== undefined) {
    let entry: unknown;
    try {
      entry = JSON.parse(options.channelJson);
    } catch (error) {
      throw new InputError('--channel-json is not valid JSON', { hint: 'quote the JSON object for the shell', cause: error });
    }
    const channel = createChannel(entry);
    if (channel.name !== name) throw new InputError(`--channel-json names channel "${channel.name}", not "${name}"`, { hint: 'use the same name in both places' });
    return channel;
  }
  if (options.config === undefined) {
    throw new InputError('no channel settings given', { hint: 'pass --config FILE (the service config) or --channel-json JSON' });
  }

  const config = loadConfig({ file: options.config });
  const channel = config.channels.find((candidate) => candidate.name === name);
  if (channel === undefined) {
    const known = config.channels.map((candidate) => candidate.name);
    throw new InputError(`channel "${name}" not found in ${options.config}`, {
      hint: known.length > 0 ? `configured channels: ${known.join(', ')}` : 'add it to the channels list of the config file',
    });
  }
  return channel;
}
