// STAND-IN for the ngrok agent (ngrok v3), whose cloud cannot be reached from these machines.
// It takes the agent's documented command line — `ngrok http ADDR [--url URL]
// [--pooling-enabled] [--traffic-policy-file FILE] [--log stdout] [--log-format logfmt]` with
// the authtoken in NGROK_AUTHTOKEN — and behaves as the agent does on it: refuses to start
// without an authtoken (ERR_NGROK_4018), fails on an unreadable policy file, then logs the
// lines the real agent logs, including `msg="started tunnel" ... url=...`, and forwards HTTP
// from its "public" endpoint (plain http on 127.0.0.1 here; the real one is https on ngrok's
// edge) to ADDR. It does not evaluate traffic policies. Each invocation is appended as JSON to
// $NGROK_STANDIN_RECORD so a test can assert the exact command line and environment.
import http from 'node:http';
import { appendFileSync, readFileSync } from 'node:fs';

const args = process.argv.slice(2);
const now = () => new Date().toISOString().replace(/\.\d{3}Z$/, '+0000');
const log = (fields) => console.log(`t=${now()} ${fields}`);

if (process.env.NGROK_STANDIN_RECORD)
  appendFileSync(process.env.NGROK_STANDIN_RECORD, `${JSON.stringify({ args, authtoken: process.env.NGROK_AUTHTOKEN ?? null })}\n`);

if (args[0] !== 'http' || !args[1]) {
  console.error('ERROR:  the stand-in implements `ngrok http ADDR` only');
  process.exit(1);
}
const flag = (name) => { const i = args.indexOf(name); return i < 0 ? undefined : args[i + 1]; };
const addr = new URL(/^\d+$/.test(args[1]) ? `http://localhost:${args[1]}` : args[1]);
if (!process.env.NGROK_AUTHTOKEN) {
  console.error('ERROR:  authentication failed: Usage of ngrok requires a verified account and authtoken.');
  console.error('ERROR:  ERR_NGROK_4018');
  process.exit(1);
}
const policy = flag('--traffic-policy-file');
if (policy) {
  try { readFileSync(policy); } catch (err) {
    console.error(`ERROR:  failed to read traffic policy file: ${err.message}`);
    process.exit(1);
  }
}
if (args.includes('--pooling-enabled') && !flag('--url')) {
  console.error('ERROR:  pooling requires a reserved --url');
  process.exit(1);
}

const server = http.createServer((req, res) => {
  const upstream = http.request({ host: addr.hostname, port: addr.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
    res.writeHead(answer.statusCode, answer.headers);
    answer.pipe(res);
  });
  upstream.on('error', () => { res.writeHead(502); res.end('ERR_NGROK_8012'); });
  req.pipe(upstream);
});
server.listen(0, '127.0.0.1', () => {
  const url = `http://127.0.0.1:${server.address().port}`;
  log('lvl=info msg="no configuration paths supplied"');
  log('lvl=info msg="starting web service" obj=web addr=127.0.0.1:4040 allow_hosts=[]');
  log('lvl=info msg="client session established" obj=tunnels.session');
  log('lvl=info msg="tunnel session started" obj=tunnels.session');
  log(`lvl=info msg="started tunnel" obj=tunnels name=command_line addr=${addr.origin} url=${url}`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
