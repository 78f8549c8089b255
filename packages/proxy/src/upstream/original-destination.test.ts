import { originalDestinationOf } from './original-destination.js';

describe('originalDestinationOf', () => {
  const noDns = () => Promise.reject(new Error('no lookup expected'));

  it('takes IP literals as they are, IPv6 bracketed, the default port when none is given', async () => {
    expect(await originalDestinationOf('10.0.0.1:8080', 80, noDns)).toEqual({
      id: '10.0.0.1:8080',
    });
    expect(await originalDestinationOf('10.0.0.1', 80, noDns)).toEqual({ id: '10.0.0.1:80' });
    expect(await originalDestinationOf('[fd00::1]:9', 80, noDns)).toEqual({ id: '[fd00::1]:9' });
    expect(await originalDestinationOf('[fd00::1]', 80, noDns)).toEqual({ id: '[fd00::1]:80' });
  });

  it('resolves hostnames, and says why when that fails', async () => {
    const seen: string[] = [];
    const resolve = (host: string) => {
      seen.push(host);
      if (host === 'api.example') return Promise.resolve({ address: '192.0.2.7' });
      if (host === 'v6.example') return Promise.resolve({ address: '2001:db8::7' });
      return Promise.reject(Object.assign(new Error('nope'), { code: 'ENOTFOUND' }));
    };
    expect(await originalDestinationOf('api.example:443', 80, resolve)).toEqual({
      id: '192.0.2.7:443',
    });
    expect(await originalDestinationOf('v6.example', 80, resolve)).toEqual({
      id: '[2001:db8::7]:80',
    });
    expect(await originalDestinationOf('gone.example:80', 80, resolve)).toEqual({
      error: 'original destination gone.example:80 does not resolve (ENOTFOUND)',
    });
    expect(seen).toEqual(['api.example', 'v6.example', 'gone.example']);
  });

  it('refuses what is not host:port', async () => {
    for (const bad of ['', ':80', 'host:0', 'host:65536', 'host:x'])
      expect(await originalDestinationOf(bad, 80, noDns)).toHaveProperty('error');
  });
});
