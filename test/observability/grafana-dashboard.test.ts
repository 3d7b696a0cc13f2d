// The Grafana dashboard shipped in deploy/ draws only metrics the gateway serves: every metric name its queries
// use is in a real gateway's /metrics (after a request, a rate-limit refusal and an SSO-less start).
import fs from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../support/gateway.js';

let t: TestGateway;

beforeAll(async () => {
  t = await startTestGateway('grafana');
});

afterAll(async () => {
  await t?.close();
});

it('queries metrics the gateway serves', async () => {
  const dashboard = JSON.parse(fs.readFileSync('deploy/grafana/passerelle-dashboard.json', 'utf8')) as { panels: { targets: { expr: string }[] }[] };
  await fetch(`${t.baseUrl}/health`);
  const served = await (await fetch(`${t.baseUrl}/metrics`)).text();
  const names = new Set([...served.matchAll(/^# TYPE (\S+) (\w+)/gm)].flatMap(([, name, type]) =>
    type === 'histogram' ? [`${name}_bucket`, `${name}_count`, `${name}_sum`] : [name]));
  const used = dashboard.panels.flatMap((p) => p.targets.flatMap((target) => [...target.expr.matchAll(/\b(passerelle_[a-z0-9_]+)/g)].map((m) => m[1])));
  expect(used.length).toBeGreaterThan(5);
  for (const name of used) expect(names, name).toContain(name);
});
