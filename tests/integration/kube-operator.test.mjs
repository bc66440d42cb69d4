// moat operator against a real kube-apiserver and etcd (kube/control-plane.mjs): ToolHive's
// manifests with only apiVersion changed become the server's and the gateway's objects, status
// follows the workloads, secrets stay references, and the operator survives what clusters do
// to it (API server restarts, a second replica, missing permissions).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { freePort, initializeMessage, moatBin, postJson, repoRoot, start, startSampleServer, stop } from './helpers.mjs';
import { makeKeys, startIdp, userTokens } from './idp/idp-helpers.mjs';
import { ControlPlane, eventually } from './kube/control-plane.mjs';

const ns = 'mcp';
const journey = path.join(repoRoot, 'tests/integration/kube/journey');
const servers = `/apis/moat.dev/v1alpha1/namespaces/${ns}/mcpservers`;
const authConfigs = `/apis/moat.dev/v1alpha1/namespaces/${ns}/mcpexternalauthconfigs`;
const remoteProxies = `/apis/moat.dev/v1alpha1/namespaces/${ns}/mcpremoteproxies`;
const deployments = `/apis/apps/v1/namespaces/${ns}/deployments`;
const services = `/api/v1/namespaces/${ns}/services`;
const configMaps = `/api/v1/namespaces/${ns}/configmaps`;
const secrets = `/api/v1/namespaces/${ns}/secrets`;
const secretValue = 'okta-secret-value-never-in-a-configmap';

// ToolHive's manifest, moved to our API group: the one change a ToolHive user makes.
const asMoat = (file) => readFileSync(path.join(journey, file), 'utf8').replace('apiVersion: toolhive.stacklok.dev/v1alpha1', 'apiVersion: moat.dev/v1alpha1');

let plane;
const operators = [];

async function startOperator({ user = 'admin', args = [] } = {}) {
  const child = await start(moatBin, ['operator', '--kubeconfig', plane.kubeconfig(user), '--gateway-image', 'moat:test', '--resync', '5m', ...args],
    { ready: /listed kind=MCPServer|waiting for the lease|became the leader/ });
  operators.push(child);
  return child;
}

const condition = (object, type) => object?.status?.conditions?.find((c) => c.type === type);

// What the Deployment controller and the kubelet would write once the pods run: no kubelet can
// run on these machines, so the test writes it through the status subresource.
async function markReady(name) {
  const deployment = await plane.get(`${deployments}/${name}`);
  const replicas = deployment.spec.replicas;
  const res = await plane.request('PATCH', `${deployments}/${name}/status`,
    { status: { observedGeneration: deployment.metadata.generation, replicas, updatedReplicas: replicas, readyReplicas: replicas, availableReplicas: replicas } },
    { contentType: 'application/merge-patch+json' });
  assert.equal(res.status, 200, res.text);
}

async function eventsFor(name) {
  const res = await plane.request('GET', `/api/v1/namespaces/${ns}/events?fieldSelector=involvedObject.name=${name}`);
  return res.json.items;
}

before(async () => {
  plane = await ControlPlane.start({ users: { limited: [] } });
  for (const crd of ['mcpservers', 'mcpremoteproxies', 'mcpexternalauthconfigs'])
    await plane.apply(`/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${crd}.moat.dev`, readFileSync(path.join(repoRoot, `deploy/crds/moat.dev_${crd}.yaml`), 'utf8'));
  await eventually(async () => (await plane.request('GET', servers)).status === 200, 'the MCPServer API');
  await plane.request('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
});

after(async () => {
  for (const child of operators) await stop(child);
  await plane?.stop();
});

test('the seeds\' manifests, with only apiVersion changed, become the server and a gateway in front of it', async () => {
  await plane.apply(`${secrets}/okta-client`, readFileSync(path.join(journey, '1-secret.yaml'), 'utf8'));
  await plane.apply(`${authConfigs}/google-sts`, asMoat('2-external-auth.yaml'));
  await plane.apply(`${servers}/bigquery`, asMoat('3-mcpserver.yaml'));
  await startOperator();

  // The operator applies the gateway's Service last: once it is there, so is everything else.
  await eventually(() => plane.get(`${services}/mcp-bigquery-proxy`), 'the gateway Service');
  const gateway = await plane.get(`${deployments}/mcp-bigquery-proxy`);
  const server = await plane.get(`${deployments}/mcp-bigquery`);
  const owner = await plane.get(`${servers}/bigquery`);

  // The server: image, args, env, port and resources as declared; locked down; owned.
  const mcp = server.spec.template.spec.containers[0];
  assert.equal(mcp.image, 'ghcr.io/example/bigquery-mcp:1.4.0');
  assert.deepEqual(mcp.args, ['--port', '8000']);
  assert.deepEqual(mcp.env, [{ name: 'BIGQUERY_PROJECT', value: 'analytics-prod' }]);
  assert.deepEqual(mcp.ports.map((p) => p.containerPort), [8000]);
  assert.deepEqual(mcp.resources, { limits: { cpu: '500m', memory: '512Mi' }, requests: { cpu: '100m', memory: '128Mi' } });
  assert.equal(mcp.securityContext.runAsNonRoot, true);
  assert.equal(mcp.securityContext.readOnlyRootFilesystem, true);
  assert.equal(mcp.securityContext.allowPrivilegeEscalation, false);
  assert.deepEqual(mcp.securityContext.capabilities.drop, ['ALL']);
  assert.equal(server.spec.template.spec.automountServiceAccountToken, false);
  for (const object of [server, gateway]) {
    assert.equal(object.metadata.ownerReferences[0].uid, owner.metadata.uid);
    assert.equal(object.metadata.ownerReferences[0].controller, true);
    assert.equal(object.metadata.labels['app.kubernetes.io/managed-by'], 'moat-operator');
  }
  const serverService = await plane.get(`${services}/mcp-bigquery`);
  assert.deepEqual(serverService.spec.ports.map((p) => p.port), [8000]);
  assert.equal(serverService.spec.selector['app.kubernetes.io/component'], 'server');

  // The gateway: moat serving the generated pipeline, the Okta secret mounted as a file.
  const moat = gateway.spec.template.spec.containers[0];
  assert.equal(moat.image, 'moat:test');
  assert.deepEqual(moat.args, ['serve', '--config', '/etc/moat/config/pipeline.yaml']);
  assert.equal(moat.securityContext.readOnlyRootFilesystem, true);
  assert.equal(moat.livenessProbe.httpGet.path, '/healthz');
  assert.equal(moat.readinessProbe.httpGet.path, '/readyz');
  const secretVolume = gateway.spec.template.spec.volumes.find((v) => v.secret);
  assert.equal(secretVolume.secret.secretName, 'okta-client');
  assert.deepEqual(secretVolume.secret.items, [{ key: 'client-secret', path: 'client-secret' }]);
  assert.ok(moat.volumeMounts.some((m) => m.name === secretVolume.name && m.mountPath === '/etc/moat/secrets/okta-client' && m.readOnly));
  assert.equal(moat.env, undefined, 'no secret reaches the gateway through its environment');
  assert.match(gateway.spec.template.metadata.annotations['moat.dev/config-hash'], /^[0-9a-f]{16}$/);
  const proxyService = await plane.get(`${services}/mcp-bigquery-proxy`);
  assert.deepEqual(proxyService.spec.ports.map((p) => p.port), [8080]);
  assert.equal(proxyService.spec.selector['app.kubernetes.io/component'], 'gateway');

  // The pipeline: OIDC from the inline config, Google STS from the MCPExternalAuthConfig.
  const pipeline = (await plane.get(`${configMaps}/mcp-bigquery-proxy-config`)).data['pipeline.yaml'];
  assert.match(pipeline, /plugin: auth-oidc/);
  assert.match(pipeline, /issuer: "https:\/\/dev-123456\.okta\.com\/oauth2\/default"/);
  assert.match(pipeline, /audience: "api:\/\/bigquery-mcp"/);
  assert.match(pipeline, /client_secret_file: "\.\.\/secrets\/okta-client\/client-secret"/);
  assert.match(pipeline, /plugin: exchange-google-sts/);
  assert.match(pipeline, /audience: "\/\/iam\.googleapis\.com\/locations\/global\/workforcePools\/okta-pool\/providers\/okta-oidc"/);
  assert.match(pipeline, /subject_token_type: "id_token"/);
  assert.match(pipeline, /resource_url: "https:\/\/bigquery-mcp\.example\.ngrok\.app\/mcp"/);
  assert.match(pipeline, /url: "http:\/\/mcp-bigquery\.mcp\.svc:8000\/mcp"/);
  assert.ok(!pipeline.includes(secretValue), 'the secret value is not in the ConfigMap');

  // The file as the pod sees it, with the Secret mounted beside it, passes moat validate.
  const root = mkdtempSync(path.join(tmpdir(), 'moat-pod-'));
  mkdirSync(path.join(root, 'config'));
  mkdirSync(path.join(root, 'secrets/okta-client'), { recursive: true });
  writeFileSync(path.join(root, 'config/pipeline.yaml'), pipeline);
  writeFileSync(path.join(root, 'secrets/okta-client/client-secret'), secretValue);
  const validate = spawnSync(moatBin, ['validate', '--config', path.join(root, 'config/pipeline.yaml')], { encoding: 'utf8' });
  assert.equal(validate.status, 0, validate.stdout + validate.stderr);

  // Not ready until both Deployments' pods are.
  let status = await eventually(async () => {
    const object = await plane.get(`${servers}/bigquery`);
    return object.status?.observedGeneration === object.metadata.generation && object;
  }, 'a status');
  assert.equal(status.status.phase, 'Pending');
  assert.equal(condition(status, 'Ready').status, 'False');
  assert.equal(condition(status, 'AuthConfigured').status, 'True');
  assert.equal(status.status.url, 'http://mcp-bigquery-proxy.mcp.svc.cluster.local:8080/mcp');
  await markReady('mcp-bigquery');
  await markReady('mcp-bigquery-proxy');
  status = await eventually(async () => {
    const object = await plane.get(`${servers}/bigquery`);
    return condition(object, 'Ready')?.status === 'True' && object;
  }, 'Ready');
  assert.equal(status.status.phase, 'Running');
  assert.equal(condition(status, 'Ready').reason, 'DeploymentsReady');
  assert.ok(status.metadata.finalizers.includes('moat.dev/cleanup'));
  const reasons = (await eventsFor('bigquery')).map((e) => e.reason);
  assert.ok(reasons.includes('DeploymentsReady'), `events: ${reasons}`);
});

test('the generated pipeline, run as a process against the test IdP and a Google STS STAND-IN, serves the journey', async () => {
  const provider = '//iam.googleapis.com/locations/global/workforcePools/okta-pool/providers/okta-oidc';
  const dir = mkdtempSync(path.join(tmpdir(), 'moat-journey-'));
  // oidc-provider with Okta's URL layout stands in for the Okta org; Google's STS cannot be
  // reached from here, so its stand-in (tests/integration/idp/google-sts-standin.mjs) follows
  // Google's documented wire format and verifies the ID token against the IdP's keys.
  const okta = await startIdp(await makeKeys(['RS256:okta-1']), { dir, issuerPath: '/oauth2/default', oktaRoutes: true });
  const stsPort = await freePort();
  const sts = await start('node', [path.join(repoRoot, 'tests/integration/idp/google-sts-standin.mjs'), '--port', String(stsPort), '--provider', provider,
    '--issuer', okta.issuer, '--jwks-url', `${okta.issuer}/v1/keys`, '--allowed-audience', 'cli'], { ready: /stand-in listening/ });
  const upstream = await startSampleServer('http');
  let gateway;
  try {
    await plane.apply(`${authConfigs}/journey-sts`, asMoat('2-external-auth.yaml').replace('name: google-sts', 'name: journey-sts')
      .replace('https://sts.googleapis.com/v1/token', `http://127.0.0.1:${stsPort}/v1/token`));
    await plane.apply(`${servers}/journey`, asMoat('3-mcpserver.yaml').replace('name: bigquery', 'name: journey').replace('name: google-sts', 'name: journey-sts')
      .replace('https://dev-123456.okta.com/oauth2/default', okta.issuer).replace('audience: api://bigquery-mcp', 'audience: cli'));
    const pipeline = await eventually(async () => (await plane.get(`${configMaps}/mcp-journey-proxy-config`))?.data['pipeline.yaml'], 'the journey pipeline');

    // The pod's two folders side by side; only what names the cluster's network is changed: the
    // ports, and the server's Service name, which resolves only inside the cluster.
    const port = await freePort();
    mkdirSync(path.join(dir, 'config'));
    mkdirSync(path.join(dir, 'secrets/okta-client'), { recursive: true });
    writeFileSync(path.join(dir, 'secrets/okta-client/client-secret'), secretValue);
    writeFileSync(path.join(dir, 'config/pipeline.yaml'), pipeline
      .replace('port: 8080', `port: ${port}`).replace('port: 9464', `port: ${await freePort()}`)
      .replace('http://mcp-journey.mcp.svc:8000/mcp', upstream.url));
    gateway = await start(moatBin, ['serve', '--config', path.join(dir, 'config/pipeline.yaml')], { ready: /listening on/ });

    // The ID token (aud cli) is what the gateway takes; the access token from the same login is
    // for another audience.
    const { id_token: idToken, access_token: wrongAudience } = await userTokens(okta, 'alice', 'api://default', { okta: true, scope: 'openid email' });
    const client = new Client({ name: 'journey', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(`http://127.0.0.1:${port}/mcp`), { requestInit: { headers: { Authorization: `Bearer ${idToken}` } } }));
    const seen = JSON.parse((await client.callTool({ name: 'whoami', arguments: {} })).content[0].text);
    await client.close();
    assert.match(seen.authorization, /^Bearer ya29\.standin-/, 'the server got the token Google issued, not the Okta one');

    const refused = await postJson(`http://127.0.0.1:${port}/mcp`, initializeMessage(), { Authorization: `Bearer ${wrongAudience}` });
    assert.equal(refused.status, 401);
    assert.match(refused.headers.get('www-authenticate'), /^Bearer .*resource_metadata="https:\/\/bigquery-mcp\.example\.ngrok\.app\/\.well-known\/oauth-protected-resource\/mcp"/);
  } finally {
    await stop(gateway);
    await stop(upstream.child);
    await stop(sts);
    await stop(okta.child);
  }
});

test('an MCPRemoteProxy puts a gateway with OIDC and RFC 8693 exchange in front of a server that runs elsewhere', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'moat-remote-'));
  const idp = await startIdp(await makeKeys(['RS256:key-1']), { dir });
  const remote = await startSampleServer('http');  // the remote MCP server: reached as it is, no Service of ours
  let gateway;
  try {
    await plane.apply(`${secrets}/exchanger`, `apiVersion: v1\nkind: Secret\nmetadata: {name: exchanger, namespace: ${ns}}\nstringData: {secret: exchanger-secret}\n`);
    await plane.apply(`${authConfigs}/backend-exchange`, `apiVersion: moat.dev/v1alpha1
kind: MCPExternalAuthConfig
metadata: {name: backend-exchange, namespace: ${ns}}
spec:
  type: tokenExchange
  tokenExchange: {tokenUrl: "${idp.issuer}/token", clientId: exchanger, clientSecretRef: {name: exchanger, key: secret}, audience: backend, scopes: [backend:read]}
`);
    await plane.apply(`${remoteProxies}/remote`, `apiVersion: moat.dev/v1alpha1
kind: MCPRemoteProxy
metadata: {name: remote, namespace: ${ns}}
spec:
  remoteUrl: ${remote.url}
  proxyPort: 8080
  oidcConfig: {type: inline, inline: {issuer: "${idp.issuer}", audience: "https://remote.example.com/mcp"}}
  externalAuthConfigRef: {name: backend-exchange}
  resources: {limits: {cpu: 200m, memory: 128Mi}}
`);
    await eventually(() => plane.get(`${services}/mcp-remote-remote-proxy`), 'the remote proxy\'s gateway Service (applied last)');
    const deployment = await plane.get(`${deployments}/mcp-remote-remote-proxy`);
    assert.equal(await plane.get(`${deployments}/mcp-remote`), undefined, 'no server Deployment for a remote server');
    const container = deployment.spec.template.spec.containers[0];
    assert.deepEqual(container.resources, { limits: { cpu: '200m', memory: '128Mi' } });
    assert.equal(deployment.metadata.ownerReferences[0].kind, 'MCPRemoteProxy');
    assert.equal(deployment.metadata.labels['moat.dev/mcpremoteproxy'], 'remote');
    assert.equal(deployment.spec.template.spec.volumes.find((v) => v.secret).secret.secretName, 'exchanger');
    assert.deepEqual((await plane.get(`${services}/mcp-remote-remote-proxy`)).spec.ports.map((p) => p.port), [8080]);
    const pipeline = (await plane.get(`${configMaps}/mcp-remote-remote-proxy-config`)).data['pipeline.yaml'];
    assert.match(pipeline, new RegExp(`url: "${remote.url.replaceAll('.', '\\.')}"`));
    assert.match(pipeline, /plugin: exchange-rfc8693/);
    assert.match(pipeline, /client_secret_file: "\.\.\/secrets\/exchanger\/secret"/);
    assert.ok(!pipeline.includes('exchanger-secret'));

    await markReady('mcp-remote-remote-proxy');
    const ready = await eventually(async () => {
      const object = await plane.get(`${remoteProxies}/remote`);
      return condition(object, 'Ready')?.status === 'True' && object;
    }, 'the remote proxy Ready');
    assert.equal(ready.status.url, 'http://mcp-remote-remote-proxy.mcp.svc.cluster.local:8080/mcp');

    // The pipeline as generated, with its ports changed only: the remote URL is real here.
    mkdirSync(path.join(dir, 'config'));
    mkdirSync(path.join(dir, 'secrets/exchanger'), { recursive: true });
    writeFileSync(path.join(dir, 'secrets/exchanger/secret'), 'exchanger-secret');
    const port = await freePort();
    writeFileSync(path.join(dir, 'config/pipeline.yaml'), pipeline.replace('port: 8080', `port: ${port}`).replace('port: 9464', `port: ${await freePort()}`));
    gateway = await start(moatBin, ['serve', '--config', path.join(dir, 'config/pipeline.yaml')], { ready: /listening on/ });
    const { access_token: token } = await userTokens(idp, 'alice', 'https://remote.example.com/mcp');
    const client = new Client({ name: 'remote', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(`http://127.0.0.1:${port}/mcp`), { requestInit: { headers: { Authorization: `Bearer ${token}` } } }));
    const seen = JSON.parse((await client.callTool({ name: 'whoami', arguments: {} })).content[0].text);
    await client.close();
    const claims = JSON.parse(Buffer.from(seen.authorization.split(' ')[1].split('.')[1], 'base64url'));
    assert.equal(claims.aud, 'backend', 'the remote server got the exchanged token');
    assert.notEqual(seen.authorization, `Bearer ${token}`);
    assert.equal((await postJson(`http://127.0.0.1:${port}/mcp`, initializeMessage())).status, 401);

    await plane.request('DELETE', `${remoteProxies}/remote`);
    await eventually(async () => (await plane.get(`${remoteProxies}/remote`)) === undefined, 'the MCPRemoteProxy gone');
    for (const object of [`${deployments}/mcp-remote-remote-proxy`, `${services}/mcp-remote-remote-proxy`, `${configMaps}/mcp-remote-remote-proxy-config`])
      assert.equal(await plane.get(object), undefined, `${object} removed`);
  } finally {
    await stop(gateway);
    await stop(remote.child);
    await stop(idp.child);
  }
});

test('gateway replicas need ToolHive\'s sessionStorage: refused without it, sharing sessions through Redis with it', async () => {
  const scaled = asMoat('3-mcpserver.yaml').replace('name: bigquery', 'name: scaled').replace('  transport: streamable-http', '  transport: streamable-http\n  replicas: 3');
  await plane.apply(`${servers}/scaled`, scaled);
  const refused = await eventually(async () => {
    const object = await plane.get(`${servers}/scaled`);
    return object?.status?.phase === 'Failed' && object;
  }, 'replicas without a session store refused');
  assert.equal(condition(refused, 'Ready').reason, 'InvalidSpec');
  assert.match(condition(refused, 'Ready').message, /3 gateway replicas need spec\.sessionStorage/);
  assert.equal(await plane.get(`${deployments}/mcp-scaled-proxy`), undefined);

  await plane.apply(`${secrets}/redis`, `apiVersion: v1\nkind: Secret\nmetadata: {name: redis, namespace: ${ns}}\nstringData: {password: redis-password-value}\n`);
  await plane.apply(`${servers}/scaled`, scaled.replace('  replicas: 3', '  replicas: 3\n  sessionStorage: {provider: redis, address: "redis.mcp.svc:6379", db: 2, keyPrefix: "scaled:", passwordRef: {name: redis, key: password}}'));
  const gateway = await eventually(() => plane.get(`${deployments}/mcp-scaled-proxy`), 'the scaled gateway');
  assert.equal(gateway.spec.replicas, 3);
  assert.equal((await plane.get(`${deployments}/mcp-scaled`)).spec.replicas, 1, 'the server keeps its one pod (backendReplicas)');
  assert.ok(gateway.spec.template.spec.volumes.some((v) => v.secret?.secretName === 'redis'));
  const pipeline = (await plane.get(`${configMaps}/mcp-scaled-proxy-config`)).data['pipeline.yaml'];
  assert.match(pipeline, /plugin: session-redis/);
  assert.match(pipeline, /url: "redis:\/\/redis\.mcp\.svc:6379\/2"/);
  assert.match(pipeline, /password_file: "\.\.\/secrets\/redis\/password"/);
  assert.match(pipeline, /key_prefix: "scaled:"/);
  assert.ok(!pipeline.includes('redis-password-value'));
  const root = mkdtempSync(path.join(tmpdir(), 'moat-scaled-'));
  for (const dir of ['config', 'secrets/okta-client', 'secrets/redis']) mkdirSync(path.join(root, dir), { recursive: true });
  writeFileSync(path.join(root, 'config/pipeline.yaml'), pipeline);
  writeFileSync(path.join(root, 'secrets/okta-client/client-secret'), secretValue);
  writeFileSync(path.join(root, 'secrets/redis/password'), 'redis-password-value');
  const validate = spawnSync(moatBin, ['validate', '--config', path.join(root, 'config/pipeline.yaml')], { encoding: 'utf8' });
  assert.equal(validate.status, 0, validate.stdout + validate.stderr);
  await plane.request('DELETE', `${servers}/scaled`);
});

test('a changed Secret or MCPExternalAuthConfig rolls the gateway', async () => {
  const hashOf = async () => (await plane.get(`${deployments}/mcp-bigquery-proxy`)).spec.template.metadata.annotations['moat.dev/config-hash'];
  const before = await hashOf();
  await plane.apply(`${secrets}/okta-client`, readFileSync(path.join(journey, '1-secret.yaml'), 'utf8').replace(secretValue, 'rotated-secret-value'));
  const afterSecret = await eventually(async () => { const h = await hashOf(); return h !== before && h; }, 'a new config hash after the Secret changed');
  await plane.apply(`${authConfigs}/google-sts`, asMoat('2-external-auth.yaml').replace('subjectTokenType: id_token', 'subjectTokenType: access_token'));
  await eventually(async () => (await hashOf()) !== afterSecret, 'a new config hash after the MCPExternalAuthConfig changed');
  const pipeline = (await plane.get(`${configMaps}/mcp-bigquery-proxy-config`)).data['pipeline.yaml'];
  assert.match(pipeline, /subject_token_type: "access_token"/);
  assert.ok(!pipeline.includes('rotated-secret-value'));
});

test('a missing Secret is reported as SecretNotFound, nothing is deployed, and it recovers when the Secret appears', async () => {
  await plane.apply(`${servers}/late`, asMoat('3-mcpserver.yaml').replace('name: bigquery', 'name: late').replace('name: okta-client', 'name: late-secret'));
  const pending = await eventually(async () => {
    const object = await plane.get(`${servers}/late`);
    return condition(object, 'AuthConfigured')?.reason === 'SecretNotFound' && object;
  }, 'SecretNotFound');
  assert.equal(condition(pending, 'AuthConfigured').status, 'False');
  assert.match(condition(pending, 'AuthConfigured').message, /late-secret/);
  assert.equal(condition(pending, 'Ready').reason, 'AuthNotConfigured');
  assert.equal(await plane.get(`${deployments}/mcp-late-proxy`), undefined, 'no gateway without its secret');
  assert.ok((await eventsFor('late')).some((e) => e.reason === 'SecretNotFound' && e.type === 'Warning'));

  await plane.apply(`${secrets}/late-secret`, readFileSync(path.join(journey, '1-secret.yaml'), 'utf8').replace('name: okta-client', 'name: late-secret'));
  await eventually(() => plane.get(`${deployments}/mcp-late-proxy`), 'the gateway once the Secret exists');
  const recovered = await eventually(async () => {
    const object = await plane.get(`${servers}/late`);
    return condition(object, 'AuthConfigured')?.status === 'True' && object;
  }, 'AuthConfigured');
  assert.equal(condition(recovered, 'Ready').reason, 'DeploymentsNotReady');
});

test('a missing MCPExternalAuthConfig and ToolHive fields moat does not act on are reported, not ignored', async () => {
  await plane.apply(`${servers}/noauth`, asMoat('3-mcpserver.yaml').replace('name: bigquery', 'name: noauth').replace('name: google-sts', 'name: nowhere'));
  const missing = await eventually(async () => {
    const object = await plane.get(`${servers}/noauth`);
    return condition(object, 'AuthConfigured')?.reason === 'ExternalAuthConfigNotFound' && object;
  }, 'ExternalAuthConfigNotFound');
  assert.match(condition(missing, 'AuthConfigured').message, /nowhere/);

  const withAuthz = asMoat('3-mcpserver.yaml').replace('name: bigquery', 'name: authz')
    .replace('  externalAuthConfigRef:', '  authzConfig:\n    type: inline\n    inline:\n      policies: ["permit(principal, action, resource);"]\n  externalAuthConfigRef:');
  await plane.apply(`${servers}/authz`, withAuthz);
  const failed = await eventually(async () => {
    const object = await plane.get(`${servers}/authz`);
    return object?.status?.phase === 'Failed' && object;
  }, 'Failed');
  assert.equal(condition(failed, 'Ready').reason, 'UnsupportedField');
  assert.match(condition(failed, 'Ready').message, /spec\.authzConfig is not supported/);
  assert.equal(await plane.get(`${deployments}/mcp-authz-proxy`), undefined, 'a policy it cannot enforce is not deployed without it');

  // A field ToolHive does not have either is refused by the schema outright (kubectl's default
  // strict field validation).
  const res = await plane.request('POST', `${servers}?fieldValidation=Strict`, {
    apiVersion: 'moat.dev/v1alpha1', kind: 'MCPServer', metadata: { name: 'typo' },
    spec: { image: 'ghcr.io/example/bigquery-mcp:1.4.0', proxyPortt: 8080 },
  });
  assert.equal(res.status, 400, res.text);
  assert.match(res.json.message, /unknown field "spec\.proxyPortt"/);
  assert.equal(await plane.get(`${servers}/typo`), undefined);
});

test('the operator resumes its watches after an API server restart: nothing lost, no relist storm', async () => {
  const [operator] = operators;
  const lists = () => (operator.output.text.match(/listed kind=/g) ?? []).length;
  const listedBefore = lists();
  await plane.restartApiServer(1000);
  // Changed right after the restart, while the operator is still reconnecting.
  await plane.apply(`${servers}/bigquery`, asMoat('3-mcpserver.yaml').replace('value: analytics-prod', 'value: analytics-staging'));
  await eventually(async () => {
    const server = await plane.get(`${deployments}/mcp-bigquery`);
    return server.spec.template.spec.containers[0].env[0].value === 'analytics-staging';
  }, 'the change made across the restart', 60000);
  await eventually(() => /watch resumed kind=MCPServer|watch expired; listing again kind=MCPServer/.test(operator.output.text), 'the watch back');
  // A restarted API server's watch cache starts at its own resourceVersion: a watch from an older
  // one is answered 410 and that kind is listed again, once. Seven watched kinds: at most seven lists.
  await new Promise((r) => setTimeout(r, 3000));
  assert.ok(lists() - listedBefore <= 7, `${lists() - listedBefore} lists after the restart:\n${operator.output.text.slice(-3000)}`);
});

test('a Service or ConfigMap it made, deleted or edited by hand, is put back without waiting for a resync', async () => {
  assert.equal((await plane.request('DELETE', `${services}/mcp-bigquery-proxy`)).status, 200);
  await eventually(() => plane.get(`${services}/mcp-bigquery-proxy`), 'the gateway Service back', 10000);
  const original = (await plane.get(`${configMaps}/mcp-bigquery-proxy-config`)).data['pipeline.yaml'];
  await plane.request('PATCH', `${configMaps}/mcp-bigquery-proxy-config`, { data: { 'pipeline.yaml': 'listen: {port: 1}\n' } },
    { contentType: 'application/merge-patch+json' });
  await eventually(async () => (await plane.get(`${configMaps}/mcp-bigquery-proxy-config`)).data['pipeline.yaml'] === original,
    'the pipeline restored', 10000);
});

test('deleting the MCPServer removes everything it made', async () => {
  const res = await plane.request('DELETE', `${servers}/late`);
  assert.ok(res.status < 300, res.text);
  await eventually(async () => (await plane.get(`${servers}/late`)) === undefined, 'the MCPServer gone (finalizer done)');
  for (const object of [`${deployments}/mcp-late`, `${deployments}/mcp-late-proxy`, `${services}/mcp-late`, `${services}/mcp-late-proxy`, `${configMaps}/mcp-late-proxy-config`])
    assert.equal(await plane.get(object), undefined, `${object} removed`);
  assert.ok(await plane.get(`${deployments}/mcp-bigquery`), 'other servers untouched');
});

test('two operators with --leader-elect: one leads, the other takes over when it goes', async () => {
  for (const child of operators.splice(0)) await stop(child);
  const first = await startOperator({ args: ['--leader-elect', '--leader-election-namespace', ns] });
  await eventually(() => /became the leader/.test(first.output.text), 'the first leader');
  const second = await startOperator({ args: ['--leader-elect', '--leader-election-namespace', ns] });
  await new Promise((r) => setTimeout(r, 3000));
  assert.match(second.output.text, /waiting for the lease/);
  assert.doesNotMatch(second.output.text, /became the leader|listed kind/, 'the second replica does not act');
  const lease = await plane.get(`/apis/coordination.k8s.io/v1/namespaces/${ns}/leases/moat-operator`);
  assert.equal(lease.spec.holderIdentity, `${(await import('node:os')).hostname()}_${first.pid}`);

  await stop(first);  // releases the lease on SIGTERM
  await eventually(() => /became the leader/.test(second.output.text), 'the second replica leading', 30000);
  await plane.apply(`${servers}/bigquery`, asMoat('3-mcpserver.yaml').replace('value: analytics-prod', 'value: analytics-after-failover'));
  await eventually(async () => (await plane.get(`${deployments}/mcp-bigquery`)).spec.template.spec.containers[0].env[0].value === 'analytics-after-failover',
    'the new leader reconciling');
});

test('an operator whose Role lacks a verb reports Forbidden in the status and backs off instead of looping', async () => {
  for (const child of operators.splice(0)) await stop(child);
  // Everything it needs except patching Deployments.
  await plane.request('POST', '/apis/rbac.authorization.k8s.io/v1/clusterroles', {
    apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'moat-operator-limited' },
    rules: [
      { apiGroups: ['moat.dev'], resources: ['mcpservers', 'mcpservers/status', 'mcpexternalauthconfigs'], verbs: ['get', 'list', 'watch', 'update', 'patch'] },
      { apiGroups: [''], resources: ['secrets'], verbs: ['get', 'list', 'watch'] },
      { apiGroups: [''], resources: ['services', 'configmaps'], verbs: ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'] },
      { apiGroups: [''], resources: ['events'], verbs: ['create'] },
      { apiGroups: ['apps'], resources: ['deployments'], verbs: ['get', 'list', 'watch'] },
    ],
  });
  await plane.request('POST', '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings', {
    apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: 'moat-operator-limited' },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'moat-operator-limited' },
    subjects: [{ kind: 'User', name: 'limited', apiGroup: 'rbac.authorization.k8s.io' }],
  });
  await plane.apply(`${servers}/rbac`, asMoat('3-mcpserver.yaml').replace('name: bigquery', 'name: rbac'));
  const limited = await startOperator({ user: 'limited' });
  const forbidden = await eventually(async () => {
    const object = await plane.get(`${servers}/rbac`);
    return condition(object, 'Ready')?.reason === 'Forbidden' && object;
  }, 'Forbidden in the status');
  assert.match(condition(forbidden, 'Ready').message, /deployments/);
  assert.ok((await eventsFor('rbac')).some((e) => e.reason === 'Forbidden' && e.type === 'Warning'));
  // Backoff doubles from 1 s: over 6 s, a handful of attempts for this server, not hundreds.
  const count = () => (limited.output.text.match(/reconcile failed; retrying mcpserver=mcp\/rbac/g) ?? []).length;
  const start = count();
  await new Promise((r) => setTimeout(r, 6000));
  assert.ok(count() - start <= 4, `${count() - start} attempts in 6 s`);
});
