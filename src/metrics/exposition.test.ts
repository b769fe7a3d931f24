import { describe, expect, it } from 'vitest';
import { escapeHelp, escapeLabelValue, parseExposition, renderExposition, type MetricFamily } from './exposition.js';

const family = (samples: MetricFamily['samples'], help = 'Some help.'): MetricFamily => ({ name: 'kdrill_x_seconds', help, type: 'gauge', samples });

describe('exposition format', () => {
  it('escapes label values (backslash, quote, newline) and HELP (backslash, newline), and reads them back', () => {
    expect(escapeLabelValue('a\\b"c\nd')).toBe('a\\\\b\\"c\\nd');
    expect(escapeHelp('say "hi"\\\nbye')).toBe('say "hi"\\\\\\nbye');
    const tricky = 'C:\\drills\\"prod"\nline2 {},=';
    const text = renderExposition([family([{ name: 'kdrill_x_seconds', labels: { scenario: tricky, check: 'é ü' }, value: 1.5 }], 'multi\nline \\ help')]);
    expect(text).toBe(
      [
        '# HELP kdrill_x_seconds multi\\nline \\\\ help',
        '# TYPE kdrill_x_seconds gauge',
        'kdrill_x_seconds{scenario="C:\\\\drills\\\\\\"prod\\"\\nline2 {},=",check="é ü"} 1.5',
        '',
      ].join('\n'),
    );
    const [parsed] = parseExposition(text);
    expect(parsed).toEqual({ name: 'kdrill_x_seconds', help: 'multi\nline \\ help', type: 'gauge', samples: [{ name: 'kdrill_x_seconds', labels: { scenario: tricky, check: 'é ü' }, value: 1.5 }] });
  });

  it('writes NaN and infinities as Prometheus spells them, and skips families without samples', () => {
    const text = renderExposition([family([
      { name: 'kdrill_x_seconds', labels: { a: '1' }, value: NaN },
      { name: 'kdrill_x_seconds', labels: { a: '2' }, value: Infinity },
      { name: 'kdrill_x_seconds', labels: { a: '3' }, value: -Infinity },
    ]), { name: 'kdrill_empty', help: 'h', type: 'gauge', samples: [] }]);
    expect(text).not.toContain('kdrill_empty');
    expect(text.split('\n').slice(2, 5).map((l) => l.split(' ')[1])).toEqual(['NaN', '+Inf', '-Inf']);
    expect(parseExposition(text)[0]!.samples.map((s) => s.value)).toEqual([NaN, Infinity, -Infinity]);
  });

  it('refuses names Prometheus would refuse', () => {
    expect(() => renderExposition([{ ...family([]), name: 'kdrill-x' }])).toThrow(/invalid metric name/);
    expect(() => renderExposition([family([{ name: 'kdrill_x_seconds', labels: { 'bad-label': 'v' }, value: 1 }])])).toThrow(/invalid label name/);
    expect(() => renderExposition([family([{ name: 'kdrill_x_seconds', labels: { __name__: 'v' }, value: 1 }])])).toThrow(/invalid label name/);
  });

  it('parses histograms, untyped samples, comments, timestamps and a trailing comma in labels', () => {
    const text = [
      '# a free comment',
      '# HELP http_seconds Latency.',
      '# TYPE http_seconds histogram',
      'http_seconds_bucket{le="0.1"} 3',
      'http_seconds_bucket{le="+Inf",} 4',
      'http_seconds_sum 0.25',
      'http_seconds_count 4',
      'loose_metric 7 1700000000000',
      '',
    ].join('\n');
    const families = parseExposition(text);
    expect(families.map((f) => [f.name, f.type, f.samples.length])).toEqual([['http_seconds', 'histogram', 4], ['loose_metric', 'untyped', 1]]);
    expect(families[1]!.samples[0]).toEqual({ name: 'loose_metric', labels: {}, value: 7, timestampMs: 1700000000000 });
  });

  it.each([
    ['no final newline', 'a 1', /end with a newline/],
    ['duplicate series', 'a{x="1"} 1\na{x="1"} 2\n', /line 2: duplicate series/],
    ["a family's lines apart", 'a 1\nb 1\na{x="2"} 1\n', /line 3: a appears again/],
    ['TYPE after samples', 'a 1\n# TYPE a gauge\n', /line 2: TYPE for a after its samples/],
    ['second HELP', '# HELP a x\n# HELP a y\n', /line 2: second HELP/],
    ['unknown type', '# TYPE a meter\n', /unknown type "meter"/],
    ['bad escape in a label', 'a{x="\\t"} 1\n', /invalid escape \\t/],
    ['unterminated label value', 'a{x="1} 1\n', /unterminated value/],
    ['label given twice', 'a{x="1",x="2"} 1\n', /label x given twice/],
    ['bad value', 'a 1.2.3\n', /invalid value/],
    ['no value', 'a{x="1"}\n', /expected "a VALUE/],
    ['bad timestamp', 'a 1 soon\n', /invalid timestamp/],
    ['bad metric name', '9a 1\n', /not a sample line/],
  ])('rejects %s', (_what, text, error) => {
    expect(() => parseExposition(text)).toThrow(error);
  });
});
