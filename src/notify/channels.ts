import { z } from 'zod';
import { InputError } from '../common/errors.js';
import { emailChannel } from './email/index.js';
import { gotifyChannel } from './gotify/index.js';
import { ntfyChannel } from './ntfy/index.js';
import type { Channel, ChannelType } from './types.js';
import { webhookChannel } from './webhook/index.js';

/** Every channel type Bosun can send to. Adding a notifier means one folder and one line here. */
export const channelTypes: readonly ChannelType<unknown>[] = [webhookChannel, ntfyChannel, gotifyChannel, emailChannel];

const entrySchema = z
  .object({
    name: z.string().regex(/^[A-Za-z0-9][-_.A-Za-z0-9]{0,63}$/, 'expected 1-64 letters, digits, ".", "_" or "-"'),
    type: z.string(),
  })
  .loose();

/**
 * Validates one channel entry from the config file (`{ name, type, ...options }`) and creates
 * the channel. Throws an `InputError` that names the channel and the invalid fields; the
 * messages never repeat the values, which may be secrets.
 */
export function createChannel(entry: unknown): Channel {
  const head = entrySchema.safeParse(entry);
  if (!head.success) {
    throw new InputError(`invalid notification channel: ${describeIssues(head.error)}`, {
      hint: 'Give every channel a name and one of the types: ' + channelTypes.map((type) => type.type).join(', ') + '.',
    });
  }

  const { name, type, ...options } = head.data;
  const channelType = channelTypes.find((candidate) => candidate.type === type);
  if (channelType === undefined) {
    throw new InputError(`notification channel "${name}" has unknown type "${type}"`, {
      hint: `Use one of: ${channelTypes.map((candidate) => candidate.type).join(', ')}.`,
    });
  }

  const config = channelType.configSchema.safeParse(options);
  if (!config.success) {
    throw new InputError(`invalid config for ${type} channel "${name}": ${describeIssues(config.error)}`, {
      hint: `Fix the listed fields of channel "${name}" in the config file.`,
    });
  }
  return channelType.create(name, config.data);
}

function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 10)
    .map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : '(entry)'}: ${issue.message}`)
    .join('; ');
}
