import { ExpositionError, parseExposition } from './prometheus-text.js';

describe('parseExposition', () => {
  it('reads samples with and without labels, skipping comments and blank lines', () => {
    const text = [
      '# HELP istio_requests_total Requests handled by an Istio proxy.',
      '# TYPE istio_requests_total counter',
      'istio_requests_total{reporter="destination",response_code="200"} 7',
      '',
      '# a free comment',
      'up 1',
      'process_start_time_seconds 1.7e9 1700000000000',
      '',
    ].join('\n');
    expect(parseExposition(text)).toEqual([
      {
        name: 'istio_requests_total',
        labels: { reporter: 'destination', response_code: '200' },
        value: 7,
      },
      { name: 'up', labels: {}, value: 1 },
      { name: 'process_start_time_seconds', labels: {}, value: 1.7e9 },
    ]);
  });

  it('unescapes \\\\, \\" and \\n in label values, keeping commas, braces and = as they are', () => {
    const [sample] = parseExposition(
      'm{path="C:\\\\dir",quote="say \\"hi\\"",multi="a\\nb",odd="x=1,}{y"} 1\n',
    );
    expect(sample!.labels).toEqual({
      path: 'C:\\dir',
      quote: 'say "hi"',
      multi: 'a\nb',
      odd: 'x=1,}{y',
    });
  });

  it('takes a trailing comma, blanks around labels, empty label values and {}', () => {
    expect(parseExposition('m{ a = "1" , b="", } 2\nn{} 3\n')).toEqual([
      { name: 'm', labels: { a: '1', b: '' }, value: 2 },
      { name: 'n', labels: {}, value: 3 },
    ]);
  });

  it('reads +Inf, -Inf, NaN, exponents and the le="+Inf" bucket', () => {
    const values = parseExposition(
      'a +Inf\nb -Inf\nc NaN\nd 1e-3\ne -2.5E+2\nh_bucket{le="+Inf"} 4\n',
    ).map((s) => s.value);
    expect(values.slice(0, 2)).toEqual([Infinity, -Infinity]);
    expect(values[2]).toBeNaN();
    expect(values.slice(3)).toEqual([0.001, -250, 4]);
  });

  it('keeps only the metrics asked for, still checking every line', () => {
    const text = 'a 1\nb{x="y"} 2\nc 3\n';
    expect(parseExposition(text, (name) => name === 'b')).toEqual([
      { name: 'b', labels: { x: 'y' }, value: 2 },
    ]);
    expect(() => parseExposition('a 1\nb oops\n', (name) => name === 'a')).toThrow(
      new ExpositionError(2, '"oops" is not a sample value'),
    );
  });

  it.each([
    ['<html><body>404</body></html>', 1, 'expected a metric name'],
    ['m{a="1"', 1, 'expected "," or "}" after label a'],
    ['m{a="1} 2', 1, 'unterminated value of label a'],
    ['m{a=1} 2', 1, 'expected a quoted value for label a'],
    ['m{a="1",a="2"} 2', 1, 'label a appears twice'],
    ['m{a="\\t"} 2', 1, 'unknown escape "\\t" in label a'],
    ['m{1a="x"} 2', 1, 'expected a label name or "}"'],
    ['m', 1, 'expected a blank and a value after the metric'],
    ['m{a="1"}2', 1, 'expected a blank and a value after the metric'],
    ['ok 1\nm 12abc', 2, '"12abc" is not a sample value'],
    ['m 1 later', 1, '"later" is not a timestamp'],
    ['m 1 2 3', 1, 'unexpected "3" after the value'],
  ])('refuses %j (line %d: %s)', (text, line, reason) => {
    let caught: unknown;
    try {
      parseExposition(text);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ExpositionError);
    expect(caught).toMatchObject({ line, reason, message: `line ${line}: ${reason}` });
  });
});
