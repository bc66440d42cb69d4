// What deciding costs: tools/call echo through two otherwise identical gateways behind
// auth-oidc (oidc-provider's token for alice), one with authz-cedar holding a 100-policy set and
// one without an authorizer, measured in the same run with rounds interleaved. Target: median
// latency with the authorizer under 5% above without, at 16 clients. The decision rate itself
// comes from authz_cedar_bench (the same 100 policies, in process).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startMoat, startSampleServer, stop } from '../integration/helpers.mjs';
import { makeKeys, startIdp, userTokens } from '../integration/idp/idp-helpers.mjs';

// 97 team tools, one rule for engineering's use of echo, and two forbids: 100 policies that all
// have to be considered for every decision.
export function hundredPolicies() {
  const policies = [];
  for (let i = 0; i < 97; ++i)
    policies.push(`permit(principal in THVGroup::"team_${i}", action == Action::"call_tool", resource == Tool::"tool_${i}");`);
  policies.push('permit(principal in THVGroup::"engineering", action == Action::"call_tool", resource == Tool::"echo") when { context.claim_email like "*@example.com" };');
  policies.push('forbid(principal, action == Action::"call_tool", resource == Tool::"flood");');
  policies.push('forbid(principal, action, resource) when { principal has claim_disabled && principal.claim_disabled };');
  return policies.join('\n');
}

export async function measureAuthorization({ wrk, openSession, median, seconds, rounds, levels, buildDir }) {
  const dir = mkdtempSync(path.join(tmpdir(), 'moat-bench-authz-'));
  const policyFile = path.join(dir, 'hundred.cedar');
  writeFileSync(policyFile, hundredPolicies());
  const idp = await startIdp(await makeKeys(['RS256:bench-authz']), { dir });
  const sample = await startSampleServer('http', ['--json-response']);
  const gateway = (authorizer) => startMoat(`
  listen: {address: 127.0.0.1, port: {{PORT}}, threads: 320, requests_per_second_per_subject: 0}
  log: {level: warn}
  servers:
    bench:
      path: /mcp
      upstream: {url: "${sample.url}"}
      pipeline:
        - plugin: auth-oidc
          config: {issuer: "${idp.issuer}", scopes: [mcp:tools]}${authorizer}`);
  const gateways = {
    'auth-oidc': await gateway(''),
    'auth-oidc + authz-cedar (100 policies)': await gateway(`
        - plugin: authz-cedar
          config: {policy_files: ["${policyFile}"]}`),
    // Every request decided afresh: what a call costs when its decision is not cached (new
    // arguments under a policy that reads them, a new user, a new tool).
    'auth-oidc + authz-cedar (100 policies, cache off)': await gateway(`
        - plugin: authz-cedar
          config: {policy_files: ["${policyFile}"], decision_cache_size: 0}`),
  };
  const targets = [];
  for (const [name, moat] of Object.entries(gateways)) {
    const url = `${moat.base}/mcp`;
    targets.push({ name, url, pid: moat.child.pid, authorization: `Bearer ${(await userTokens(idp, 'alice', url)).access_token}` });
  }
  const results = [];
  try {
    for (const target of targets) {
      target.sessionId = await openSession(target.url, target.authorization);
      wrk(target.url, target.sessionId, 8, 1, target.authorization);
    }
    for (const connections of levels) {
      const runs = new Map(targets.map((t) => [t.name, []]));
      for (let round = 0; round < rounds; ++round)
        for (const target of targets) runs.get(target.name).push(wrk(target.url, target.sessionId, connections, seconds, target.authorization, target.pid));
      const without = runs.get(targets[0].name);
      for (const target of targets.slice(1)) {
      const withAuthz = runs.get(target.name);
      results.push({
        connections, variant: target.name.replace('auth-oidc + ', ''),
        p50_without_us: median(without.map((r) => r.p50_us)), p50_with_us: median(withAuthz.map((r) => r.p50_us)),
        p50_ratio: median(withAuthz.map((r, i) => r.p50_us / without[i].p50_us)),
        rps_without: median(without.map((r) => r.rps)), rps_with: median(withAuthz.map((r) => r.rps)),
        cpu_without_us: median(without.map((r) => r.cpu_us_per_request)), cpu_with_us: median(withAuthz.map((r) => r.cpu_us_per_request)),
        errors: [...without, ...withAuthz].reduce((n, r) => n + r.errors, 0),
      });
      }
    }
  } finally {
    for (const moat of Object.values(gateways)) await stop(moat.child);
    await stop(sample.child);
    await stop(idp.child);
  }
  const decisions = execFileSync(path.join(buildDir, 'authz_cedar_bench'), [policyFile, '20000'], { encoding: 'utf8' })
    .trim().split('\n').map((line) => JSON.parse(line));
  return { results, decisions };
}

export function authorizationReport({ results, decisions }, seconds, rounds) {
  return ['', `What deciding costs: tools/call behind auth-oidc, with authz-cedar holding 100 policies against without an authorizer; ${rounds} interleaved rounds of ${seconds}s, medians:`, '',
    '| clients | with | p50 µs without | p50 µs with | p50 with ÷ without (target < 1.05 at 16) | req/s without | req/s with | CPU µs/request without → with | errors |',
    '|---|---|---|---|---|---|---|---|---|',
    ...results.map((r) => `| ${r.connections} | ${r.variant} | ${r.p50_without_us} | ${r.p50_with_us} | ${r.p50_ratio.toFixed(3)} | ${r.rps_without.toFixed(0)} | ${r.rps_with.toFixed(0)} | ` +
      `${r.cpu_without_us.toFixed(0)} → ${r.cpu_with_us.toFixed(0)} | ${r.errors} |`),
    '', 'Decisions in process (authz_cedar_bench, one thread, the same 100 policies):', '',
    '| question | decisions/s | µs per decision | of which Cedar evaluation µs |', '|---|---|---|---|',
    ...decisions.map((d) => `| ${d.question} | ${d.decisions_per_s.toFixed(0)} | ${d.us_per_decision.toFixed(2)} | ${d.us_evaluating.toFixed(2)} |`)];
}
