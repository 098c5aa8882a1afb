import type { Digest } from '../../../src/common/digest.js';
import type { Clock, Notice } from '../../../src/notify/index.js';

/** A new-vulnerability notice with every optional field set; each call returns a fresh object. */
export function vulnerabilityNotice(overrides: Partial<Notice> = {}): Notice {
  return {
    id: 'vuln:web-1:GHSA-aaaa-bbbb-cccc:openssl',
    kind: 'vulnerability.new',
    title: 'GHSA-aaaa-bbbb-cccc in openssl 3.0.11 (lab/app:1)',
    body: 'openssl 3.0.11 in container web-1 is affected by GHSA-aaaa-bbbb-cccc.',
    severity: 'critical',
    host: 'lab-host',
    container: 'web-1',
    image: { reference: 'lab/app:1', digest: `sha256:${'a'.repeat(64)}` as Digest },
    advisory: {
      id: 'GHSA-aaaa-bbbb-cccc',
      aliases: ['CVE-2024-0001'],
      severity: 'critical',
      fixedVersion: '3.0.13',
      url: 'https://osv.dev/vulnerability/GHSA-aaaa-bbbb-cccc',
    },
    createdAt: new Date('2024-05-01T12:00:00.000Z'),
    ...overrides,
  };
}

export function unusedImageNotice(overrides: Partial<Notice> = {}): Notice {
  return {
    id: 'unused:lab/old:2',
    kind: 'image.unused',
    title: 'lab/old:2 is no longer used by any container',
    body: 'No container on lab-host has run lab/old:2 for 30 days.',
    host: 'lab-host',
    createdAt: new Date('2024-05-02T08:30:00.000Z'),
    ...overrides,
  };
}

/** A clock whose sleeps return at once and advance `now`; `sleeps` records each wait. */
export function fakeClock(start = Date.parse('2024-05-01T12:00:00.000Z'), random = 0.5) {
  const sleeps: number[] = [];
  let now = start;
  const clock: Clock = {
    now: () => now,
    sleep: async (ms, signal) => {
      signal.throwIfAborted();
      sleeps.push(ms);
      now += ms;
    },
    random: () => random,
  };
  return { clock, sleeps };
}
