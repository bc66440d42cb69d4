// A real Kubernetes control plane on loopback for the operator tests: etcd and kube-apiserver
// built from their Go modules (tests/etcd, tests/kube-apiserver), a CA and serving certificate
// and a service-account key pair generated here, RBAC on, and token authentication for an admin
// and for any limited users a test names. No kubelet can run on these machines, so no pod ever
// runs: tests that need a Ready workload write its status through the API, as the Deployment
// controller and kubelet would, and say so.
import { execFileSync } from 'node:child_process';
import https from 'node:https';
import { mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { freePort, repoRoot, start, stop } from '../helpers.mjs';

const tool = (name) => execFileSync(path.join(repoRoot, 'scripts/go-test-tool'), [name], { encoding: 'utf8' }).trim();

function openssl(dir, ...args) {
  execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
}

function makeCertificates(dir) {
  openssl(dir, 'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=moat-test-ca');
  openssl(dir, 'req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=localhost');
  writeFileSync(path.join(dir, 'san.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes.default.svc\n');
  openssl(dir, 'x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.crt', '-days', '2', '-extfile', 'san.ext');
  openssl(dir, 'genrsa', '-out', 'sa.key', '2048');
  openssl(dir, 'rsa', '-in', 'sa.key', '-pubout', '-out', 'sa.pub');
}

export class ControlPlane {
  // users: {name: [groups]} given tokens of their own besides the admin (group system:masters).
  static async start({ users = {} } = {}) {
    const plane = new ControlPlane();
    plane.dir = mkdtempSync(path.join(tmpdir(), 'moat-kube-'));
    makeCertificates(plane.dir);
    plane.ca = readFileSync(path.join(plane.dir, 'ca.crt'), 'utf8');
    plane.tokens = { admin: randomBytes(24).toString('hex') };
    const lines = [`${plane.tokens.admin},admin,admin-uid,"system:masters"`];
    for (const [name, groups] of Object.entries(users)) {
      plane.tokens[name] = randomBytes(24).toString('hex');
      lines.push(`${plane.tokens[name]},${name},${name}-uid,"${groups.join(',')}"`);
    }
    writeFileSync(path.join(plane.dir, 'tokens.csv'), lines.join('\n') + '\n');
    plane.etcdPort = await freePort();
    plane.etcdPeerPort = await freePort();
    plane.port = await freePort();
    plane.server = `https://127.0.0.1:${plane.port}`;
    await plane.startEtcd();
    await plane.startApiServer();
    return plane;
  }

  async startEtcd() {
    const client = `http://127.0.0.1:${this.etcdPort}`, peer = `http://127.0.0.1:${this.etcdPeerPort}`;
    this.etcd = await start(tool('etcd'), ['--name', 'test', '--data-dir', path.join(this.dir, 'etcd'),
      '--listen-client-urls', client, '--advertise-client-urls', client,
      '--listen-peer-urls', peer, '--initial-advertise-peer-urls', peer, '--initial-cluster', `test=${peer}`,
      '--log-level', 'info'], { ready: /ready to serve client requests/i, timeoutMs: 60000 });
  }

  async startApiServer() {
    const d = (file) => path.join(this.dir, file);
    this.apiServer = await start(tool('kube-apiserver'), [
      '--etcd-servers', `http://127.0.0.1:${this.etcdPort}`,
      '--bind-address', '127.0.0.1', '--advertise-address', '127.0.0.1', '--secure-port', String(this.port),
      '--tls-cert-file', d('server.crt'), '--tls-private-key-file', d('server.key'), '--client-ca-file', d('ca.crt'),
      '--token-auth-file', d('tokens.csv'), '--authorization-mode', 'RBAC',
      '--service-account-key-file', d('sa.pub'), '--service-account-signing-key-file', d('sa.key'),
      '--service-account-issuer', 'https://kubernetes.default.svc', '--service-cluster-ip-range', '10.96.0.0/16',
      '--anonymous-auth=false', '--endpoint-reconciler-type', 'none', '--v=0',
    ], { ready: /Serving securely on/, timeoutMs: 120000 });
    for (let i = 0; i < 240; i++) {
      const ready = await this.request('GET', '/readyz').catch(() => ({ status: 0 }));
      if (ready.status === 200) return;
      await new Promise((r) => setTimeout(r, 500));
    }
    throw new Error(`kube-apiserver not ready:\n${this.apiServer.output.text.slice(-3000)}`);
  }

  // Stops and starts the API server (etcd keeps the data), as an upgrade or crash would.
  async restartApiServer(downMs = 0) {
    await stop(this.apiServer);
    if (downMs) await new Promise((r) => setTimeout(r, downMs));
    await this.startApiServer();
  }

  kubeconfig(user = 'admin', namespace = 'default', token = this.tokens[user]) {
    const file = path.join(this.dir, `kubeconfig-${user}`);
    writeFileSync(file, [
      'apiVersion: v1', 'kind: Config', 'current-context: test',
      'clusters:', `- name: test`, '  cluster:', `    server: ${this.server}`,
      `    certificate-authority-data: ${Buffer.from(this.ca).toString('base64')}`,
      'users:', `- name: ${user}`, '  user:', `    token: ${token}`,
      'contexts:', '- name: test', '  context:', '    cluster: test', `    user: ${user}`, `    namespace: ${namespace}`, '',
    ].join('\n'));
    return file;
  }

  request(method, urlPath, body, { user = 'admin', contentType = 'application/json' } = {}) {
    const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const req = https.request(`${this.server}${urlPath}`, {
        method, ca: this.ca,
        headers: { Authorization: `Bearer ${this.tokens[user]}`, Accept: 'application/json',
          ...(payload !== undefined ? { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(payload) } : {}) },
      }, (res) => {
        let text = '';
        res.on('data', (c) => { text += c; });
        res.on('end', () => {
          let json;
          try { json = JSON.parse(text); } catch { json = undefined; }
          resolve({ status: res.statusCode, json, text });
        });
      });
      req.on('error', reject);
      if (payload !== undefined) req.write(payload);
      req.end();
    });
  }

  // Server-side apply of one manifest (YAML or JSON text) at its object path, as `kubectl apply
  // --server-side` sends it.
  async apply(objectPath, manifest) {
    const res = await this.request('PATCH', `${objectPath}?fieldManager=test&force=true&fieldValidation=Strict`, manifest,
      { contentType: 'application/apply-patch+yaml' });
    if (res.status >= 300) throw new Error(`apply ${objectPath}: ${res.status} ${res.text}`);
    return res.json;
  }

  // The REST path of a manifest's object (or its collection, for a create).
  static pathOf(object, { collection = false } = {}) {
    const [group, version] = object.apiVersion.includes('/') ? object.apiVersion.split('/') : ['', object.apiVersion];
    const plurals = { Deployment: 'deployments', Service: 'services', ConfigMap: 'configmaps', ServiceAccount: 'serviceaccounts',
      ClusterRole: 'clusterroles', ClusterRoleBinding: 'clusterrolebindings', Role: 'roles', RoleBinding: 'rolebindings',
      CustomResourceDefinition: 'customresourcedefinitions', PodDisruptionBudget: 'poddisruptionbudgets', Secret: 'secrets', Namespace: 'namespaces' };
    const plural = plurals[object.kind];
    if (!plural) throw new Error(`no REST path known for kind ${object.kind}`);
    const base = group ? `/apis/${group}/${version}` : `/api/${version}`;
    const ns = object.metadata.namespace ? `/namespaces/${object.metadata.namespace}` : '';
    return `${base}${ns}/${plural}${collection ? '' : `/${object.metadata.name}`}`;
  }

  async get(objectPath) {
    const res = await this.request('GET', objectPath);
    return res.status === 404 ? undefined : res.status < 300 ? res.json : Promise.reject(new Error(`GET ${objectPath}: ${res.status} ${res.text}`));
  }

  async stop() {
    await stop(this.apiServer);
    await stop(this.etcd);
  }
}

// Waits until `probe` returns a truthy value (polling), or fails with `what`.
export async function eventually(probe, what, timeoutMs = 30000) {
  const deadline = Date.now() + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    last = await probe();
    if (last) return last;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out waiting for ${what}`);
}
