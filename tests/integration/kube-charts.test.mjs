// The Helm charts under deploy/helm, rendered by a real helm (tests/helm, built from helm's Go
// module) and checked by a real kube-apiserver (kube/control-plane.mjs): every rendered object
// passes a server-side dry run, the operator runs with exactly the chart's RBAC, and the
// gateway chart's pipeline passes moat validate.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { moatBin, repoRoot, start, stop } from './helpers.mjs';
import { ControlPlane, eventually } from './kube/control-plane.mjs';

const helm = execFileSync(path.join(repoRoot, 'scripts/go-test-tool'), ['helm'], { encoding: 'utf8' }).trim();
const python = path.join(repoRoot, 'tests/integration/.venv/bin/python');
const charts = path.join(repoRoot, 'deploy/helm');
let plane, operator;

// helm's output as objects, parsed by PyYAML (a YAML parser other than the one moat uses).
function render(chart, args = []) {
  const yaml = execFileSync(helm, ['template', 'rel', path.join(charts, chart), ...args], { encoding: 'utf8', env: { ...process.env, HELM_CACHE_HOME: tmpdir(), HELM_CONFIG_HOME: tmpdir() } });
  const json = execFileSync(python, ['-c', 'import sys, json, yaml; print(json.dumps([d for d in yaml.safe_load_all(sys.stdin) if d]))'], { input: yaml, encoding: 'utf8' });
  return JSON.parse(json);
}

async function dryRun(object) {
  const res = await plane.request('POST', `${ControlPlane.pathOf(object, { collection: true })}?dryRun=All&fieldValidation=Strict`, object);
  assert.ok(res.status === 201 || res.status === 200, `${object.kind} ${object.metadata.name}: ${res.status} ${res.text}`);
}

before(async () => {
  plane = await ControlPlane.start();
  for (const name of ['moat-system', 'mcp'])
    await plane.request('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
});

after(async () => {
  await stop(operator);
  await plane?.stop();
});

test('helm lint passes on both charts', () => {
  for (const chart of ['moat-operator', 'moat']) {
    const lint = spawnSync(helm, ['lint', path.join(charts, chart)], { encoding: 'utf8', env: { ...process.env, HELM_CACHE_HOME: tmpdir(), HELM_CONFIG_HOME: tmpdir() } });
    assert.equal(lint.status, 0, lint.stdout + lint.stderr);
  }
});

test('the operator chart: accepted by the API server, and the operator works with exactly its RBAC', async () => {
  const objects = render('moat-operator', ['--namespace', 'moat-system', '--include-crds']);
  const kinds = objects.map((o) => o.kind).sort();
  assert.deepEqual(kinds, ['ClusterRole', 'ClusterRoleBinding', 'CustomResourceDefinition', 'CustomResourceDefinition', 'CustomResourceDefinition', 'Deployment', 'Role', 'RoleBinding', 'ServiceAccount']);
  const crds = objects.filter((o) => o.kind === 'CustomResourceDefinition');
  for (const crd of crds) await dryRun(crd);
  for (const crd of crds) await plane.request('POST', ControlPlane.pathOf(crd, { collection: true }), crd);
  await eventually(async () => (await plane.request('GET', '/apis/moat.dev/v1alpha1/mcpservers')).status === 200, 'the CRDs served');
  for (const object of objects.filter((o) => o.kind !== 'CustomResourceDefinition')) await dryRun(object);

  const deployment = objects.find((o) => o.kind === 'Deployment');
  const pod = deployment.spec.template.spec;
  assert.equal(pod.securityContext.runAsNonRoot, true);
  assert.equal(pod.containers[0].securityContext.readOnlyRootFilesystem, true);
  assert.equal(pod.containers[0].securityContext.allowPrivilegeEscalation, false);
  assert.ok(pod.containers[0].args.includes('--leader-elect'));

  // Installed for real, then the operator runs as the chart's service account, with a token the
  // API server issues for it, and the chart's own arguments.
  for (const object of objects.filter((o) => o.kind !== 'CustomResourceDefinition' && o.kind !== 'Deployment')) {
    const res = await plane.request('POST', ControlPlane.pathOf(object, { collection: true }), object);
    assert.equal(res.status, 201, res.text);
  }
  const account = objects.find((o) => o.kind === 'ServiceAccount');
  const issued = await plane.request('POST', `/api/v1/namespaces/moat-system/serviceaccounts/${account.metadata.name}/token`,
    { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: 3600 } });
  assert.equal(issued.status, 201, issued.text);
  const kubeconfig = plane.kubeconfig('chart-operator', 'moat-system', issued.json.status.token);
  operator = await start(moatBin, [...pod.containers[0].args, '--kubeconfig', kubeconfig], { ready: /became the leader/ });

  const journey = path.join(repoRoot, 'tests/integration/kube/journey');
  const asMoat = (file) => readFileSync(path.join(journey, file), 'utf8').replace('apiVersion: toolhive.stacklok.dev/v1alpha1', 'apiVersion: moat.dev/v1alpha1');
  await plane.apply('/api/v1/namespaces/mcp/secrets/okta-client', readFileSync(path.join(journey, '1-secret.yaml'), 'utf8'));
  await plane.apply('/apis/moat.dev/v1alpha1/namespaces/mcp/mcpexternalauthconfigs/google-sts', asMoat('2-external-auth.yaml'));
  await plane.apply('/apis/moat.dev/v1alpha1/namespaces/mcp/mcpservers/bigquery', asMoat('3-mcpserver.yaml'));
  const server = await eventually(async () => {
    const object = await plane.get('/apis/moat.dev/v1alpha1/namespaces/mcp/mcpservers/bigquery');
    return object?.status?.conditions?.find((c) => c.type === 'AuthConfigured')?.status === 'True' && object;
  }, 'the MCPServer reconciled by the chart\'s operator');
  assert.equal(server.status.conditions.find((c) => c.type === 'Ready').reason, 'DeploymentsNotReady', operator.output.text.slice(-2000));
  for (const made of ['/apis/apps/v1/namespaces/mcp/deployments/mcp-bigquery-proxy', '/api/v1/namespaces/mcp/services/mcp-bigquery-proxy', '/api/v1/namespaces/mcp/configmaps/mcp-bigquery-proxy-config'])
    assert.ok(await plane.get(made), made);
  assert.doesNotMatch(operator.output.text, /forbidden/i, 'no request refused by the chart\'s RBAC');
  await plane.request('DELETE', '/apis/moat.dev/v1alpha1/namespaces/mcp/mcpservers/bigquery');
  await eventually(async () => (await plane.get('/apis/moat.dev/v1alpha1/namespaces/mcp/mcpservers/bigquery')) === undefined, 'cleanup under the chart\'s RBAC');
  assert.doesNotMatch(operator.output.text, /forbidden/i);
});

test('the gateway chart: replicas with Redis and a PDB, accepted by the API server, its pipeline passes moat validate', async () => {
  const objects = render('moat', ['--namespace', 'mcp', '--set', 'replicaCount=3', '--set', 'sessionStore.redis.url=redis://redis.mcp.svc:6379/0',
    '--set', 'sessionStore.redis.passwordSecret.name=redis', '--set', 'sessionStore.redis.passwordSecret.key=password',
    '--set', 'sessionStore.forwarding.enabled=true', '--set', 'sessionStore.forwarding.keySecret.name=replica-key', '--set', 'sessionStore.forwarding.keySecret.key=key',
    '--set', 'podDisruptionBudget.enabled=true', '--set-json', 'secretMounts=[{"name":"oidc-client","keys":["client-secret"]}]',
    '--set-json', 'config.servers.tools.pipeline=[{"plugin":"auth-oidc","config":{"issuer":"https://idp.example.com","client_id":"gw","client_secret_file":"../secrets/oidc-client/client-secret"}}]']);
  assert.deepEqual(objects.map((o) => o.kind).sort(), ['ConfigMap', 'Deployment', 'PodDisruptionBudget', 'Service']);
  for (const object of objects) await dryRun(object);
  const deployment = objects.find((o) => o.kind === 'Deployment');
  assert.equal(deployment.spec.replicas, 3);
  const container = deployment.spec.template.spec.containers[0];
  assert.equal(container.livenessProbe.httpGet.path, '/healthz');
  assert.equal(container.readinessProbe.httpGet.path, '/readyz');
  assert.equal(container.securityContext.readOnlyRootFilesystem, true);
  assert.equal(deployment.spec.template.spec.securityContext.runAsNonRoot, true);
  assert.ok(container.resources.limits.memory && container.resources.requests.cpu);
  assert.deepEqual(container.volumeMounts.map((m) => m.mountPath).sort(),
    ['/etc/moat/config', '/etc/moat/secrets/oidc-client', '/etc/moat/secrets/redis', '/etc/moat/secrets/replica-key']);
  // Forwarding between replicas: the internal port, and the pod's address to advertise.
  assert.ok(container.ports.some((p) => p.name === 'replicas' && p.containerPort === 8181));
  assert.deepEqual(container.env, [{ name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } }]);

  const pipeline = objects.find((o) => o.kind === 'ConfigMap').data['pipeline.yaml'];
  const root = mkdtempSync(path.join(tmpdir(), 'moat-chart-'));
  for (const dir of ['config', 'secrets/oidc-client', 'secrets/redis', 'secrets/replica-key']) mkdirSync(path.join(root, dir), { recursive: true });
  writeFileSync(path.join(root, 'config/pipeline.yaml'), pipeline);
  writeFileSync(path.join(root, 'secrets/oidc-client/client-secret'), 'oidc-secret');
  writeFileSync(path.join(root, 'secrets/redis/password'), 'redis-password');
  writeFileSync(path.join(root, 'secrets/replica-key/key'), 'a'.repeat(64));
  const validate = spawnSync(moatBin, ['validate', '--config', path.join(root, 'config/pipeline.yaml')],
    { encoding: 'utf8', env: { ...process.env, POD_IP: '10.0.3.7' } });
  assert.equal(validate.status, 0, validate.stdout + validate.stderr + pipeline);
  assert.match(pipeline, /plugin: session-redis/);
  assert.match(pipeline, /advertise: http:\/\/\$\{POD_IP\}:8181/);

  // The defaults render and validate too.
  const defaults = render('moat');
  writeFileSync(path.join(root, 'config/pipeline.yaml'), defaults.find((o) => o.kind === 'ConfigMap').data['pipeline.yaml']);
  const plain = spawnSync(moatBin, ['validate', '--config', path.join(root, 'config/pipeline.yaml')], { encoding: 'utf8' });
  assert.equal(plain.status, 0, plain.stdout + plain.stderr);
});

test('the gateway chart refuses replicas without a session store', () => {
  const res = spawnSync(helm, ['template', 'rel', path.join(charts, 'moat'), '--set', 'replicaCount=2'], { encoding: 'utf8', env: { ...process.env, HELM_CACHE_HOME: tmpdir(), HELM_CONFIG_HOME: tmpdir() } });
  assert.notEqual(res.status, 0);
  assert.match(res.stderr, /replicaCount > 1 needs sessionStore\.redis\.url/);
});
