import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseServerUrl, redactServerUrl, signalingUrl } from '@/lib/server-url';

describe('redactServerUrl', () => {
  it.each([
    ['ws://127.0.0.1:9000/peerjs', 'ws://127.0.0.1:9000/peerjs'],
    ['ws://127.0.0.1:9000/peerjs/', 'ws://127.0.0.1:9000/peerjs'],
    ['ws://127.0.0.1:9000/peerjs/s3cret-token', 'ws://127.0.0.1:9000/peerjs/…'],
    ['wss://peers.example.org:443/signal/s3cret/more', 'wss://peers.example.org:443/signal/…'],
    ['ws://[::1]:9000/peerjs/tok', 'ws://[::1]:9000/peerjs/…'],
    ['ws://host:9000/', 'ws://host:9000/'],
    ['ws://host:9000', 'ws://host:9000'],
    ['ws://host:9000//peerjs//tok', 'ws://host:9000/peerjs/…'],
    ['https://host:9000/peerjs/tok/turn-credentials?peerId=a&token=b', 'https://host:9000/peerjs/…?…'],
    ['ws://user:pass@host:9000/peerjs', 'ws://…@host:9000/peerjs'],
    ['ws://host:9000/peerjs#frag', 'ws://host:9000/peerjs#…'],
    ['', ''],
    ['not a url /with/s3cret', '…'],
  ])('shows %s as %s', (url, shown) => {
    expect(redactServerUrl(url)).toBe(shown);
  });

  it('never shows a path segment after the first, nor the query', () => {
    const segment = fc.stringMatching(/^[A-Za-z0-9._~-]{1,12}$/);
    fc.assert(
      fc.property(fc.constantFrom('ws', 'wss', 'http', 'https'), segment, fc.array(segment, { minLength: 1, maxLength: 4 }), (scheme, mount, rest) => {
        const secret = `SECRET${rest.join('')}`;
        const shown = redactServerUrl(`${scheme}://host:9000/${mount}/${rest.join('/')}/${secret}?token=${secret}`);
        expect(shown).toBe(`${scheme}://host:9000/${mount}/…?…`);
        expect(shown).not.toContain(secret);
      }),
      { numRuns: 500 },
    );
  });
});

describe('parseServerUrl', () => {
  it('reads ws, wss, http and https addresses, with the default port of their scheme', () => {
    expect(parseServerUrl('ws://127.0.0.1:9001/peerjs')).toEqual({ host: '127.0.0.1', port: 9001, path: '/peerjs', secure: false });
    expect(parseServerUrl(' wss://signal.example.org/peerjs/token ')).toEqual({ host: 'signal.example.org', port: 443, path: '/peerjs/token', secure: true });
    expect(parseServerUrl('http://[::1]:9000')).toEqual({ host: '[::1]', port: 9000, path: '/', secure: false });
    expect(parseServerUrl('https://signal.example.org:8443/')).toMatchObject({ port: 8443, secure: true });
  });

  it('refuses what PeerJS could not use: other schemes, user info, a query, a fragment, no URL at all', () => {
    for (const text of ['ftp://example.org/', 'ws://user:pw@example.org/', 'ws://example.org/?a=1', 'ws://example.org/#x', 'example.org:9000', '', 'ws://']) {
      expect(parseServerUrl(text), text).toBe('server-url-invalid');
    }
  });

  it('gives back what signalingUrl shows', () => {
    const server = { host: '127.0.0.1', port: 9002, path: '/peerjs', secure: false };
    expect(parseServerUrl(signalingUrl(server))).toEqual(server);
  });
});
