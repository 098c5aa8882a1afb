import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { InputError } from '../../../src/common/errors.js';
import { channelTypes, createChannel } from '../../../src/notify/index.js';

const SECRET = 'secret-value-that-must-not-leak';

describe('createChannel', () => {
  const valid: Array<{ case: string; entry: Record<string, unknown> }> = [
    { case: 'webhook', entry: { name: 'hook', type: 'webhook', url: 'https://hooks.example.com/bosun', secret: SECRET } },
    { case: 'webhook with headers', entry: { name: 'hook-2', type: 'webhook', url: 'http://127.0.0.1:9000/x', secret: SECRET, headers: { 'X-Api-Key': SECRET } } },
    { case: 'ntfy without auth', entry: { name: 'phone', type: 'ntfy', url: 'https://ntfy.sh', topic: 'bosun_alerts-1' } },
    { case: 'ntfy with token and path', entry: { name: 'phone', type: 'ntfy', url: 'https://example.com/ntfy/', topic: 'a', token: SECRET } },
    { case: 'ntfy with basic auth', entry: { name: 'phone', type: 'ntfy', url: 'https://example.com', topic: 'a', username: 'u', password: SECRET } },
    { case: 'gotify', entry: { name: 'gotify', type: 'gotify', url: 'https://gotify.example.com', token: SECRET } },
    { case: 'gotify with query token', entry: { name: 'gotify', type: 'gotify', url: 'https://gotify.example.com', token: SECRET, tokenIn: 'query' } },
    { case: 'email with defaults', entry: { name: 'mail', type: 'email', host: 'smtp.example.com', from: 'bosun@example.com', to: 'ops@example.com' } },
    {
      case: 'email with implicit TLS',
      entry: { name: 'mail', type: 'email', host: 'smtp.example.com', port: 465, secure: true, auth: { user: 'u', pass: SECRET }, from: 'a@example.com', to: ['b@example.com'] },
    },
  ];
  for (const { case: name, entry } of valid) {
    test(`accepts ${name}`, () => {
      const channel = createChannel(entry);
      assert.equal(channel.name, entry['name']);
      assert.equal(channel.type, entry['type']);
    });
  }

  const invalid: Array<{ case: string; entry: Record<string, unknown>; field: RegExp }> = [
    { case: 'missing name', entry: { type: 'webhook', url: 'https://x.example', secret: SECRET }, field: /name/ },
    { case: 'unknown type', entry: { name: 'x', type: 'slack' }, field: /unknown type "slack"/ },
    { case: 'webhook short secret', entry: { name: 'x', type: 'webhook', url: 'https://x.example', secret: 'short' }, field: /secret/ },
    { case: 'webhook ftp url', entry: { name: 'x', type: 'webhook', url: 'ftp://x.example', secret: SECRET }, field: /url/ },
    { case: 'webhook url with password', entry: { name: 'x', type: 'webhook', url: `https://u:${SECRET}@x.example`, secret: SECRET }, field: /url/ },
    { case: 'webhook reserved header', entry: { name: 'x', type: 'webhook', url: 'https://x.example', secret: SECRET, headers: { 'X-Bosun-Signature': SECRET } }, field: /headers/ },
    { case: 'webhook header with newline', entry: { name: 'x', type: 'webhook', url: 'https://x.example', secret: SECRET, headers: { 'X-A': `a\r\nX-B: ${SECRET}` } }, field: /headers/ },
    { case: 'webhook unknown field', entry: { name: 'x', type: 'webhook', url: 'https://x.example', secret: SECRET, sekret: SECRET }, field: /sekret/ },
    { case: 'ntfy topic with slash', entry: { name: 'x', type: 'ntfy', url: 'https://ntfy.sh', topic: 'a/b' }, field: /topic/ },
    { case: 'ntfy token and password', entry: { name: 'x', type: 'ntfy', url: 'https://ntfy.sh', topic: 'a', token: SECRET, username: 'u', password: SECRET }, field: /either token/ },
    { case: 'ntfy user without password', entry: { name: 'x', type: 'ntfy', url: 'https://ntfy.sh', topic: 'a', username: 'u' }, field: /together/ },
    { case: 'gotify without token', entry: { name: 'x', type: 'gotify', url: 'https://g.example' }, field: /token/ },
    { case: 'gotify bad tokenIn', entry: { name: 'x', type: 'gotify', url: 'https://g.example', token: SECRET, tokenIn: 'cookie' }, field: /tokenIn/ },
    { case: 'email bad address', entry: { name: 'x', type: 'email', host: 'smtp.example.com', from: 'not-an-address', to: 'a@example.com' }, field: /from/ },
    { case: 'email empty to list', entry: { name: 'x', type: 'email', host: 'smtp.example.com', from: 'a@example.com', to: [] }, field: /to/ },
    { case: 'email port out of range', entry: { name: 'x', type: 'email', host: 'h', port: 70_000, from: 'a@example.com', to: 'b@example.com' }, field: /port/ },
  ];
  for (const { case: name, entry, field } of invalid) {
    test(`rejects ${name}`, () => {
      assert.throws(
        () => createChannel(entry),
        (error: unknown) => {
          assert.ok(error instanceof InputError, `expected an InputError, got ${String(error)}`);
          assert.match(error.message, field);
          assert.ok(!error.message.includes(SECRET), `message repeats the secret: ${error.message}`);
          assert.notEqual(error.hint, undefined);
          assert.notEqual(error.hint, '');
          return true;
        },
      );
    });
  }

  test('registry lists every type once', () => {
    const types = channelTypes.map((type) => type.type);
    assert.deepEqual([...types].sort(), ['email', 'gotify', 'ntfy', 'webhook']);
  });
});
