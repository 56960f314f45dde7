import { describe, expect, it } from 'vitest';
import { isPeerPath, isPeerReleaseRoute, isUntypedPeerJson } from '../../src/web/compat/index.js';

// What the web chain needs to know about the peers' paths.
describe('peer route predicates', () => {
  it('name every route that sends mail out (the releaser role applies)', () => {
    for (const path of [
      '/api/v1/message/42/release',
      '/api/v1/messages/42/release',
      '/email/42/relay',
      '/email/42/relay/to@example.com',
      '/api/email/42/relay',
    ]) {
      expect(isPeerReleaseRoute('POST', path), path).toBe(true);
    }
    expect(isPeerReleaseRoute('GET', '/api/v1/message/42/release')).toBe(false);
    expect(isPeerReleaseRoute('POST', '/api/v1/send')).toBe(false);
  });

  it('accept untyped JSON only on MailHog release, and know the paths OpenAPI leaves out', () => {
    expect(isUntypedPeerJson('POST', '/api/v1/messages/42/release')).toBe(true);
    expect(isUntypedPeerJson('POST', '/api/v1/send')).toBe(false);
    expect(isPeerPath('/api/v2/jim')).toBe(true);
    expect(isPeerPath('/api/messages')).toBe(false);
  });
});
