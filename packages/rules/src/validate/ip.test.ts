import fc from 'fast-check';
import { isCidr, isIPAddress, isIPv4, isIPv6 } from './ip.js';

describe('IP literals as Go netip parses them', () => {
  it.each(['0.0.0.0', '10.1.2.3', '255.255.255.255'])('IPv4 %s', (a) =>
    expect(isIPv4(a)).toBe(true),
  );
  it.each(['256.1.1.1', '01.2.3.4', '1.2.3', '1.2.3.4.5', ''])('not IPv4 %s', (a) =>
    expect(isIPv4(a)).toBe(false),
  );
  it.each(['::', '::1', '2001:db8::1', 'fe80::1%eth0', '::ffff:1.2.3.4', '1:2:3:4:5:6:7:8'])(
    'IPv6 %s',
    (a) => expect(isIPv6(a)).toBe(true),
  );
  it.each(['1:2:3:4:5:6:7:8:9', '2001:db8:::1', '1::2::3', 'g::1', '1:2:3:4:5:6:7'])(
    'not IPv6 %s',
    (a) => expect(isIPv6(a)).toBe(false),
  );
  it.each(['10.0.0.0/8', '0.0.0.0/0', '2001:db8::/32'])('CIDR %s', (a) =>
    expect(isCidr(a)).toBe(true),
  );
  it.each(['10.0.0.0/33', '10.0.0.0/', '::/129', 'fe80::1%eth0/64', '10.0.0.0/8/8'])(
    'not CIDR %s',
    (a) => expect(isCidr(a)).toBe(false),
  );

  it('accepts every dotted quad of octets 0..255', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 4, maxLength: 4 }), (o) =>
        isIPAddress(o.join('.')),
      ),
    );
  });
  it('accepts every fully written IPv6 address', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 0xffff }), { minLength: 8, maxLength: 8 }),
        (g) => isIPv6(g.map((x) => x.toString(16)).join(':')),
      ),
    );
  });
});
