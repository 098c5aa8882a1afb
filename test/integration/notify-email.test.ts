import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { inspect } from 'node:util';
import { NotifyError, createChannel, deliver, type Channel } from '../../src/notify/index.js';
import { startSmtpSink, type SmtpSink } from '../helpers/receivers.js';
import { fakeClock, vulnerabilityNotice } from '../unit/notify/support.js';

const USER = 'bosun@lab.test';
const PASS = 'smtp-pass-secret-7f3e';

let sink: SmtpSink;

before(async () => {
  sink = await startSmtpSink({ user: USER, pass: PASS });
});
after(async () => {
  await sink.close();
});

function emailChannel(overrides: Record<string, unknown> = {}): Channel {
  return createChannel({
    name: 'mail',
    type: 'email',
    host: sink.host,
    port: sink.port,
    auth: { user: USER, pass: PASS },
    from: 'bosun@lab.test',
    to: ['ops@lab.test', 'sec@lab.test'],
    tls: { rejectUnauthorized: false },
    timeoutMs: 10_000,
    ...overrides,
  });
}

async function sendError(channel: Channel): Promise<NotifyError> {
  const error = await channel.send(vulnerabilityNotice(), AbortSignal.timeout(20_000)).then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  assert.ok(error instanceof NotifyError, `expected a NotifyError, got ${inspect(error)}`);
  return error;
}

describe('email channel', () => {
  test('delivers over STARTTLS with AUTH', async () => {
    const before = sink.messages.length;
    const notice = vulnerabilityNotice({ title: 'Critical <script>alert(1)</script> & more' });
    await emailChannel().send(notice, AbortSignal.timeout(20_000));

    assert.equal(sink.messages.length, before + 1);
    const mail = sink.messages.at(-1)!;
    assert.equal(mail.secure, true, 'session upgraded with STARTTLS');
    assert.equal(mail.user, USER);
    assert.equal(mail.from, 'bosun@lab.test');
    assert.deepEqual(mail.to, ['ops@lab.test', 'sec@lab.test']);
    assert.equal(mail.headers['subject'], 'Critical <script>alert(1)</script> & more');
    assert.equal(mail.headers['x-bosun-event'], 'vulnerability.new');
    assert.ok(mail.text.startsWith(notice.body), mail.text);
    assert.match(mail.text, /^Fixed in: 3\.0\.13$/m);
    assert.ok(mail.html.includes('&#60;script&#62;alert(1)&#60;/script&#62; &#38; more'), mail.html);
    assert.ok(!mail.html.includes('<script>'), 'HTML part contains a raw script tag');
    assert.ok(mail.html.includes('<a href="https://osv.dev/vulnerability/GHSA-aaaa-bbbb-cccc">'), mail.html);
  });

  test('keeps the Message-ID across resends', async () => {
    const channel = emailChannel();
    await channel.send(vulnerabilityNotice(), AbortSignal.timeout(20_000));
    await channel.send(vulnerabilityNotice(), AbortSignal.timeout(20_000));
    const [first, second] = sink.messages.slice(-2);
    assert.match(first!.headers['message-id'] ?? '', /^<[0-9a-f]{32}\.bosun@lab\.test>$/);
    assert.equal(first!.headers['message-id'], second!.headers['message-id']);
  });

  test('trusts the sink certificate given as tls.ca', async () => {
    const before = sink.messages.length;
    await emailChannel({ tls: { ca: sink.cert } }).send(vulnerabilityNotice(), AbortSignal.timeout(20_000));
    assert.equal(sink.messages.length, before + 1);
  });

  test('untrusted certificate is a permanent error', async () => {
    const error = await sendError(emailChannel({ tls: {} }));
    assert.equal(error.retryable, false);
    assert.equal(error.code, 'notify.tls');
    assert.match(error.message, /DEPTH_ZERO_SELF_SIGNED_CERT/);
  });

  test('wrong password is a permanent error', async () => {
    const error = await sendError(emailChannel({ auth: { user: USER, pass: 'wrong-pass-value-42' } }));
    assert.equal(error.status, 535);
    assert.equal(error.retryable, false);
    const text = inspect(error, { depth: 10 });
    for (const secret of [PASS, 'wrong-pass-value-42', Buffer.from('wrong-pass-value-42').toString('base64')]) {
      assert.ok(!text.includes(secret), `error text contains ${secret}`);
    }
  });

  test('transient 451 is retried', async () => {
    sink.failNext(451);
    const before = sink.messages.length;
    const { clock, sleeps } = fakeClock();

    const result = await deliver(emailChannel(), vulnerabilityNotice(), { attempts: 3, baseDelayMs: 10, signal: AbortSignal.timeout(20_000), clock });

    assert.deepEqual(result, { ok: true, attempts: 2 });
    assert.equal(sink.messages.length, before + 1);
    assert.equal(sleeps.length, 1);
  });

  test('permanent 554 is not retried', async () => {
    sink.failNext(554);
    const { clock, sleeps } = fakeClock();

    const result = await deliver(emailChannel(), vulnerabilityNotice(), { attempts: 3, baseDelayMs: 10, signal: AbortSignal.timeout(20_000), clock });

    assert.ok(!result.ok);
    assert.equal(result.permanent, true);
    assert.equal(result.status, 554);
    assert.deepEqual(sleeps, []);
  });
});

describe('email channel without STARTTLS', () => {
  let plain: SmtpSink;
  before(async () => {
    plain = await startSmtpSink({ user: USER, pass: PASS, withoutStartTls: true });
  });
  after(async () => {
    await plain.close();
  });

  test('requireTLS refuses a clear-text session', async () => {
    const channel = emailChannel({ host: plain.host, port: plain.port });
    const error = await sendError(channel);
    assert.equal(error.retryable, false);
    assert.notEqual(error.status, undefined);
    assert.ok((error.status ?? 0) >= 500, `status ${error.status}`);
    assert.equal(plain.messages.length, 0);
    assert.ok(!inspect(error, { depth: 10 }).includes(PASS));
  });

  test('requireTLS false sends in clear text', async () => {
    const channel = emailChannel({ host: plain.host, port: plain.port, requireTLS: false });
    await channel.send(vulnerabilityNotice(), AbortSignal.timeout(20_000));
    assert.equal(plain.messages.length, 1);
    assert.equal(plain.messages[0]!.secure, false);
  });
});
