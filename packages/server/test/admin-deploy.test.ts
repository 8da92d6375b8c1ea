import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway } from './support/gateway.js';
import { parseYamlSubset, YamlSubsetError } from './support/yaml-subset.js';

const deploy = (file: string) => readFileSync(new URL(`../../../deploy/${file}`, import.meta.url), 'utf8');

/** Series Prometheus makes itself for every scrape target. */
const PROMETHEUS_SERIES = new Set(['up']);
/** Labels Prometheus attaches to every series of a target. */
const TARGET_LABELS = new Set(['job', 'instance']);
/** The gateway's own metrics, and the standard process and Node.js ones it exports. */
const isGatewaySeries = (name: string) => /^(realtime|process|nodejs)_/.test(name) || PROMETHEUS_SERIES.has(name);

interface Rule {
  alert: string;
  expr: string;
  for: string;
  labels: { severity: string };
  annotations: { summary: string; description: string };
}

/** Metric names in a PromQL expression: identifiers that are not functions, keywords or label names. */
function metricsIn(expr: string): string[] {
  const withoutStrings = expr.replace(/"(?:[^"\\]|\\.)*"/g, '""').replace(/\{[^}]*\}/g, '{}').replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, '');
  const names = [...withoutStrings.matchAll(/[A-Za-z_:][\w:]*(?=\s*(\{|\[|\)|$|\s|[<>=!*/+-]))/g)].map((m) => m[0]);
  return [...new Set(names.filter(isGatewaySeries))];
}

/** Every series name /metrics can produce, from its `# TYPE` lines (histograms add three). */
function exportedNames(exposition: string): Set<string> {
  const names = new Set<string>();
  for (const match of exposition.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    const [, name, type] = match as unknown as [string, string, string];
    names.add(name);
    if (type === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) names.add(name + suffix);
    if (type === 'summary') for (const suffix of ['_sum', '_count']) names.add(name + suffix);
  }
  return names;
}

/** `name{label="…"}` selectors: each label must be one the metric has. */
function selectorLabels(expr: string): Array<{ metric: string; label: string }> {
  return [...expr.matchAll(/((?:realtime|process|nodejs)_\w+)\{([^}]*)\}/g)].flatMap(([, metric, matchers]) =>
    [...matchers!.matchAll(/(\w+)\s*(=~|!~|!=|=)/g)].map(([, label]) => ({ metric: metric!, label: label! })).filter(({ label }) => !TARGET_LABELS.has(label)),
  );
}

function exprsIn(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(exprsIn);
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value).flatMap(([key, child]) => (key === 'expr' && typeof child === 'string' ? [child] : exprsIn(child)));
}

describe('the YAML subset reader', () => {
  it('reads mappings, sequences of mappings, quoted strings and block scalars', () => {
    const doc = parseYamlSubset('a:\n  - name: x\n    n: 3\n    q: "{{ $v }}"\n    e: |\n      sum(x)\n        > 1\n  - name: y\nb: plain text\n');
    expect(doc).toEqual({ a: [{ name: 'x', n: 3, q: '{{ $v }}', e: 'sum(x)\n  > 1\n' }, { name: 'y' }], b: 'plain text' });
  });

  it('refuses what it does not understand, with the line', () => {
    expect(() => parseYamlSubset('a: [1, 2]\n')).toThrow(YamlSubsetError);
    expect(() => parseYamlSubset('a: 1\n  b: 2\n')).toThrow(/line 2/);
    expect(() => parseYamlSubset('a: 1\na: 2\n')).toThrow(/duplicate key a/);
  });

  it('finds metric names in PromQL and leaves functions and labels out', () => {
    expect(metricsIn('sum by (reason) (rate(realtime_x_total{code!~"1000|1001"}[5m])) / clamp_min(sum(realtime_y), 1) > 0.2 or absent(up{job="a"})'))
      .toEqual(['realtime_x_total', 'realtime_y', 'up']);
  });
});

describe('deploy/ files against a live gateway', () => {
  let gw: TestGateway;
  let exported: Set<string>;
  beforeAll(async () => {
    gw = await startGateway();
    const response = await fetch(`http://${gw.gateway.host}:${gw.gateway.port}/metrics`);
    exported = exportedNames(await response.text());
  });
  afterAll(() => gw.close());

  const checkExprs = (exprs: string[]) => {
    expect(exprs.length).toBeGreaterThan(5);
    const used = new Set(exprs.flatMap(metricsIn));
    const missing = [...used].filter((name) => !exported.has(name) && !PROMETHEUS_SERIES.has(name));
    expect(missing).toEqual([]);
    for (const { metric, label } of exprs.flatMap(selectorLabels)) {
      const base = metric.replace(/_(bucket|sum|count)$/, '');
      const labels = (gw.gateway.node.metrics.registry.getSingleMetric(base) as unknown as { labelNames: string[] }).labelNames ?? [];
      expect(labels, `${metric} has label ${label}`).toContain(label);
    }
    return used;
  };

  it('prometheus-alerts.yml: every rule is complete and uses metrics the gateway exports', () => {
    const doc = parseYamlSubset(deploy('prometheus-alerts.yml')) as { groups: Array<{ name: string; rules: Rule[] }> };
    const rules = doc.groups.flatMap((g) => g.rules);
    for (const rule of rules) {
      expect(rule.alert).toMatch(/^Realtime[A-Za-z]+$/);
      expect(rule.for).toMatch(/^\d+[smh]$/);
      expect(['warning', 'critical']).toContain(rule.labels.severity);
      expect(rule.annotations.summary.length).toBeGreaterThan(10);
      expect(rule.annotations.description.length).toBeGreaterThan(20);
    }
    expect(rules.map((r) => r.alert)).toEqual(expect.arrayContaining([
      'RealtimeNoNodeReady', 'RealtimeRedisUnavailable', 'RealtimeHandshakeRejectionSpike', 'RealtimeInvalidTokens', 'RealtimeDisconnectStorm', 'RealtimeSlowConsumers',
    ]));
    const used = checkExprs(rules.map((r) => r.expr));
    expect(used).toContain('realtime_handshake_rejections_total');
    expect(rules.find((r) => r.alert === 'RealtimeSlowConsumers')!.expr).toContain('code="3008"');
  });

  it('grafana-dashboard.json: every panel query uses metrics the gateway exports', () => {
    const dashboard = JSON.parse(deploy('grafana-dashboard.json')) as { uid: string; panels: Array<{ title: string; targets: unknown[] }> };
    expect(dashboard.uid).toBe('renum-realtime');
    for (const panel of dashboard.panels) expect(panel.targets.length, panel.title).toBeGreaterThan(0);
    const exprs = exprsIn(dashboard);
    checkExprs(exprs);
    expect(exprs.filter((expr) => !expr.includes('job=~"$job"'))).toEqual([]);
  });

  it('grafana-dashboard.json: data source and job are variables, and every query goes through them', () => {
    const dashboard = JSON.parse(deploy('grafana-dashboard.json')) as { templating: { list: Array<{ name: string; type: string; query: unknown }> } };
    const variables = Object.fromEntries(dashboard.templating.list.map((v) => [v.name, v]));
    expect(variables.datasource).toMatchObject({ type: 'datasource', query: 'prometheus' });
    expect(variables.job).toMatchObject({ type: 'query', datasource: { uid: '${datasource}' } });
    const uids = [...deploy('grafana-dashboard.json').matchAll(/"uid": "([^"]*)"/g)].map((m) => m[1]).filter((uid) => uid !== 'renum-realtime');
    expect(new Set(uids)).toEqual(new Set(['${datasource}']));
  });
});
