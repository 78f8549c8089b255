import { parseArgs, UsageError } from './args.js';

describe('parseArgs', () => {
  it('defaults to v1 on 127.0.0.1:9080', () => {
    expect(parseArgs(['details'])).toEqual({
      kind: 'run',
      args: { service: 'details', version: 'v1', host: '127.0.0.1', port: 9080 },
    });
  });

  it('takes --flag value and --flag=value', () => {
    expect(parseArgs(['reviews', '--version', 'v2', '--port=0', '--host', '0.0.0.0'])).toEqual({
      kind: 'run',
      args: { service: 'reviews', version: 'v2', host: '0.0.0.0', port: 0 },
    });
    expect(parseArgs(['--port', '19080', 'ratings'])).toMatchObject({
      args: { service: 'ratings', port: 19080 },
    });
  });

  it('gives tcp-echo the prefix of its version, port 9000, and takes --prefix', () => {
    expect(parseArgs(['tcp-echo'])).toMatchObject({ args: { prefix: 'one', port: 9000 } });
    expect(parseArgs(['tcp-echo', '--version', 'v2'])).toMatchObject({ args: { prefix: 'two' } });
    expect(parseArgs(['tcp-echo', '--prefix', 'hello'])).toMatchObject({
      args: { version: 'v1', prefix: 'hello' },
    });
  });

  it('takes httpbin v1 and v2, on port 8000 by default', () => {
    expect(parseArgs(['httpbin'])).toEqual({
      kind: 'run',
      args: { service: 'httpbin', version: 'v1', host: '127.0.0.1', port: 8000 },
    });
    expect(parseArgs(['httpbin', '--version', 'v2', '--port', '0'])).toEqual({
      kind: 'run',
      args: { service: 'httpbin', version: 'v2', host: '127.0.0.1', port: 0 },
    });
  });

  it('asks for help', () => {
    expect(parseArgs(['--help'])).toEqual({ kind: 'help' });
    expect(parseArgs(['reviews', '-h'])).toEqual({ kind: 'help' });
  });

  it.each([
    [[], /missing <service>/],
    [['frontend'], /unknown service frontend \(one of .*tcp-echo, httpbin\)/],
    [['details', 'reviews'], /unexpected argument reviews/],
    [['details', '--verbose'], /unknown flag --verbose/],
    [['details', '-p', '1'], /unknown flag -p/],
    [['details', '--port'], /--port needs a value/],
    [['details', '--port', 'http'], /--port must be a number/],
    [['details', '--port', '65536'], /--port must be a number/],
    [['details', '--port', '-1'], /--port must be a number/],
    [['details', '--version', 'v2'], /details has no version v2 \(one of v1\)/],
    [['reviews', '--version', 'v4'], /one of v1, v2, v3/],
    [['tcp-echo', '--version', 'v3'], /one of v1, v2/],
    [['httpbin', '--version', 'v3'], /httpbin has no version v3 \(one of v1, v2\)/],
    [['httpbin', '--prefix', 'x'], /--prefix only applies to tcp-echo/],
    [['reviews', '--prefix', 'x'], /--prefix only applies to tcp-echo/],
    [['tcp-echo', '--prefix='], /--prefix must be non-empty/],
    [['details', '--host', ''], /--host must not be empty/],
  ])('refuses %j', (argv, message) => {
    expect(() => parseArgs(argv)).toThrow(UsageError);
    expect(() => parseArgs(argv)).toThrow(message);
  });
});
