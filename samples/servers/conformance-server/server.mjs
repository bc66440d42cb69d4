#!/usr/bin/env node
// A sample MCP server offering every feature the MCP conformance suite's server scenarios look
// for, over streamable HTTP, the legacy HTTP+SSE transport, or stdio. Moat's tests put it
// behind the gateway and compare the suite's results with and without Moat in between.
//
//   node server.mjs --transport http --port 3001     (endpoint: /mcp)
//   node server.mjs --transport sse --port 3002      (endpoints: GET /sse, POST /messages)
//   node server.mjs --transport stdio
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { SSEServerTransport } from '@modelcontextprotocol/sdk/server/sse.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import {
  CallToolRequestSchema, CompleteRequestSchema, ElicitResultSchema, CreateMessageResultSchema,
  GetPromptRequestSchema, ListPromptsRequestSchema, ListResourceTemplatesRequestSchema,
  ListResourcesRequestSchema, ListToolsRequestSchema, ReadResourceRequestSchema,
  SetLevelRequestSchema, SubscribeRequestSchema, UnsubscribeRequestSchema,
} from '@modelcontextprotocol/sdk/types.js';

const { values: options } = parseArgs({
  options: {
    transport: { type: 'string', default: 'http' },
    port: { type: 'string', default: '3001' },
    host: { type: 'string', default: '127.0.0.1' },
    'json-response': { type: 'boolean', default: false },
  },
});

const PIXEL_PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==';
const TINY_WAV = 'UklGRiYAAABXQVZFZm10IBAAAAABAAEAQB8AAAB9AAACABAAZGF0YQIAAAA=';
const pause = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const text = (t) => ({ type: 'text', text: t });
const emptyObject = { type: 'object', properties: {} };

// Elicitation schemas the suite checks field by field.
const FORM_WITH_DEFAULTS = {
  type: 'object',
  properties: {
    name: { type: 'string', description: 'User name', default: 'John Doe' },
    age: { type: 'integer', description: 'User age', default: 30 },
    score: { type: 'number', description: 'User score', default: 95.5 },
    status: { type: 'string', description: 'User status', enum: ['active', 'inactive', 'pending'], default: 'active' },
    verified: { type: 'boolean', description: 'Verification status', default: true },
  },
  required: [],
};
const choice = (values, titles) => values.map((v, i) => ({ const: v, title: titles[i] }));
const FORM_WITH_ENUMS = {
  type: 'object',
  properties: {
    untitledSingle: { type: 'string', description: 'Select one option', enum: ['option1', 'option2', 'option3'] },
    titledSingle: { type: 'string', description: 'Select one option with titles',
      oneOf: choice(['value1', 'value2', 'value3'], ['First Option', 'Second Option', 'Third Option']) },
    legacyEnum: { type: 'string', description: 'Select one option (legacy)', enum: ['opt1', 'opt2', 'opt3'],
      enumNames: ['Option One', 'Option Two', 'Option Three'] },
    untitledMulti: { type: 'array', description: 'Select multiple options', minItems: 1, maxItems: 3,
      items: { type: 'string', enum: ['option1', 'option2', 'option3'] } },
    titledMulti: { type: 'array', description: 'Select multiple options with titles', minItems: 1, maxItems: 3,
      items: { anyOf: choice(['value1', 'value2', 'value3'], ['First Choice', 'Second Choice', 'Third Choice']) } },
  },
  required: [],
};

// Remembers every event sent on a stream so a client that reconnects with Last-Event-ID gets
// what it missed (SEP-1699 resumability).
function memoryEventStore() {
  const events = [];  // { id, streamId, message }, in send order
  return {
    async storeEvent(streamId, message) {
      const id = `${streamId}.${events.length}`;
      events.push({ id, streamId, message });
      return id;
    },
    async replayEventsAfter(lastEventId, { send }) {
      const index = events.findIndex((e) => e.id === lastEventId);
      if (index < 0) throw new Error(`unknown event id ${lastEventId}`);
      const streamId = events[index].streamId;
      for (const e of events.slice(index + 1)) if (e.streamId === streamId) await send(e.id, e.message);
      return streamId;
    },
  };
}

function buildServer(transportOf = () => undefined) {
  const server = new Server(
    { name: 'moat-sample-conformance-server', version: '0.1.0' },
    { capabilities: { tools: { listChanged: true }, resources: { subscribe: true, listChanged: true },
      prompts: { listChanged: true }, logging: {}, completions: {} } });
  const subscriptions = new Set();
  let logLevel = 'unset';
  const log = (data, level = 'info') =>
    server.notification({ method: 'notifications/message', params: { level, logger: 'sample-server', data } }).catch(() => {});

  const elicit = async (message, requestedSchema, label, extra) => {
    const answer = await server.request(
      { method: 'elicitation/create', params: { mode: 'form', message, requestedSchema } },
      ElicitResultSchema, { relatedRequestId: extra.requestId });
    return { content: [text(`${label}: action=${answer.action}, content=${JSON.stringify(answer.content || {})}`)] };
  };

  // name → { description, inputSchema, run(args, extra) }
  const tools = {
    test_simple_text: { description: 'Returns one text item', run: async () => ({ content: [text('This is a simple text response for testing.')] }) },
    test_image_content: { description: 'Returns an image', run: async () => ({ content: [{ type: 'image', data: PIXEL_PNG, mimeType: 'image/png' }] }) },
    test_audio_content: { description: 'Returns audio', run: async () => ({ content: [{ type: 'audio', data: TINY_WAV, mimeType: 'audio/wav' }] }) },
    test_embedded_resource: {
      description: 'Returns an embedded resource',
      run: async () => ({ content: [{ type: 'resource', resource: { uri: 'test://embedded-resource', mimeType: 'text/plain', text: 'This is an embedded resource content.' } }] }),
    },
    test_multiple_content_types: {
      description: 'Returns text, an image and a resource',
      run: async () => ({ content: [text('Multiple content types test:'), { type: 'image', data: PIXEL_PNG, mimeType: 'image/png' },
        { type: 'resource', resource: { uri: 'test://mixed-content-resource', mimeType: 'application/json', text: JSON.stringify({ test: 'data', value: 123 }) } }] }),
    },
    test_tool_with_logging: {
      description: 'Logs three messages while it runs',
      run: async (_args, extra) => {
        for (const step of ['Tool execution started', 'Tool processing data', 'Tool execution completed']) {
          await extra.sendNotification({ method: 'notifications/message', params: { level: 'info', data: step } });
          await pause(50);
        }
        return { content: [text('Tool with logging executed successfully')] };
      },
    },
    test_tool_with_progress: {
      description: 'Reports progress 0, 50, 100',
      run: async (_args, extra) => {
        const progressToken = extra._meta?.progressToken ?? 0;
        for (const progress of [0, 50, 100]) {
          await extra.sendNotification({ method: 'notifications/progress', params: { progressToken, progress, total: 100, message: `Completed step ${progress} of 100` } });
          await pause(50);
        }
        return { content: [text(String(progressToken))] };
      },
    },
    test_reconnection: {
      description: 'Closes its SSE stream mid-call; the result arrives after the client reconnects',
      run: async (_args, extra) => {
        transportOf()?.closeSSEStream?.(extra.requestId);
        await pause(100);
        return { content: [text('Reconnection test completed successfully. If you received this, the client properly reconnected after stream closure.')] };
      },
    },
    test_error_handling: { description: 'Always fails', run: async () => { throw new Error('This tool intentionally returns an error for testing'); } },
    test_sampling: {
      description: 'Asks the client for an LLM completion',
      inputSchema: { type: 'object', properties: { prompt: { type: 'string' } }, required: ['prompt'] },
      run: async (args, extra) => {
        const answer = await server.request({ method: 'sampling/createMessage', params: {
          messages: [{ role: 'user', content: text(args.prompt) }], maxTokens: 100 } }, CreateMessageResultSchema,
        { relatedRequestId: extra.requestId });
        return { content: [text(`LLM response: ${answer.content?.text ?? 'No response'}`)] };
      },
    },
    test_elicitation: {
      description: 'Asks the user for input',
      inputSchema: { type: 'object', properties: { message: { type: 'string' } }, required: ['message'] },
      run: (args, extra) => elicit(args.message, { type: 'object', properties: { response: { type: 'string', description: "User's response" } }, required: ['response'] }, 'User response', extra),
    },
    test_elicitation_sep1034_defaults: {
      description: 'Elicitation with defaults for every primitive type',
      run: (_args, extra) => elicit('Please review and update the form fields with defaults', FORM_WITH_DEFAULTS, 'Elicitation completed', extra),
    },
    test_elicitation_sep1330_enums: {
      description: 'Elicitation with every enum form',
      run: (_args, extra) => elicit('Please select options from the enum fields', FORM_WITH_ENUMS, 'Elicitation completed', extra),
    },
    json_schema_2020_12_tool: {
      description: 'A tool whose input schema uses JSON Schema 2020-12 features',
      inputSchema: { $schema: 'https://json-schema.org/draft/2020-12/schema', type: 'object',
        $defs: { address: { type: 'object', properties: { street: { type: 'string' }, city: { type: 'string' } } } },
        properties: { name: { type: 'string' }, address: { $ref: '#/$defs/address' } }, additionalProperties: false },
      run: async (args) => ({ content: [text(`JSON Schema 2020-12 tool called with: ${JSON.stringify(args)}`)] }),
    },
    echo: {
      description: 'Echoes its message (used by benchmarks)',
      inputSchema: { type: 'object', properties: { message: { type: 'string' } }, required: ['message'] },
      run: async (args) => ({ content: [text(args.message)] }),
    },
    sleep: {
      description: 'Answers after the given number of milliseconds (used by failure tests)',
      inputSchema: { type: 'object', properties: { ms: { type: 'number' } }, required: ['ms'] },
      run: async (args) => { await pause(args.ms); return { content: [text(`slept ${args.ms} ms`)] }; },
    },
    whoami: {
      description: 'Reports the request headers the server received (used by tests)',
      // Annotated, so authorization tests see annotations travel from the list to a call.
      annotations: { readOnlyHint: true },
      run: async (_args, extra) => ({ content: [text(JSON.stringify(extra.requestInfo?.headers ?? {}))] }),
    },
    flood: {
      description: 'Sends count log notifications of size bytes during the call (backpressure tests)',
      inputSchema: { type: 'object', properties: { count: { type: 'number' }, size: { type: 'number' } }, required: ['count', 'size'] },
      run: async (args, extra) => {
        const data = 'x'.repeat(args.size);
        for (let i = 0; i < args.count; i++)
          await extra.sendNotification({ method: 'notifications/message', params: { level: 'info', data: `${i}:${data}` } });
        return { content: [text(`sent ${args.count}`)] };
      },
    },
    pid: {
      description: 'Reports the process id (tests tell shared from per-session processes)',
      annotations: { readOnlyHint: true, openWorldHint: false },
      run: async () => ({ content: [text(String(process.pid))] }),
    },
    log_level: {
      description: 'Reports the log level this process was last set to',
      run: async () => ({ content: [text(logLevel)] }),
    },
    list_subscriptions: {
      description: 'Reports the resource URIs this process is subscribed to',
      run: async () => ({ content: [text(JSON.stringify([...subscriptions]))] }),
    },
    update_resource: {
      description: 'Sends notifications/resources/updated for a URI when subscribed',
      inputSchema: { type: 'object', properties: { uri: { type: 'string' } }, required: ['uri'] },
      run: async (args) => {
        if (!subscriptions.has(args.uri)) return { content: [text('not subscribed')] };
        await server.sendResourceUpdated({ uri: args.uri });
        return { content: [text('notified')] };
      },
    },
    change_tools: {
      description: 'Sends notifications/tools/list_changed',
      run: async () => { await server.sendToolListChanged(); return { content: [text('sent')] }; },
    },
    log_at: {
      description: 'Logs a message at the given level, outside any request',
      inputSchema: { type: 'object', properties: { level: { type: 'string' }, data: { type: 'string' } }, required: ['level', 'data'] },
      run: async (args) => { setTimeout(() => log(args.data, args.level), 50); return { content: [text('scheduled')] }; },
    },
  };

  server.setRequestHandler(ListToolsRequestSchema, async () => ({
    tools: Object.entries(tools).map(([name, t]) => ({ name, description: t.description, inputSchema: t.inputSchema ?? emptyObject,
      ...(t.annotations ? { annotations: t.annotations } : {}) })),
  }));
  server.setRequestHandler(CallToolRequestSchema, async (request, extra) => {
    const tool = tools[request.params.name];
    if (!tool) return { isError: true, content: [text(`unknown tool ${request.params.name}`)] };
    try {
      return await tool.run(request.params.arguments ?? {}, { ...extra, _meta: request.params._meta });
    } catch (error) {
      return { isError: true, content: [text(error.message)] };
    }
  });

  const staticResources = {
    'test://static-text': { name: 'static-text', mimeType: 'text/plain', text: 'This is the content of the static text resource.' },
    'test://static-binary': { name: 'static-binary', mimeType: 'image/png', blob: PIXEL_PNG },
    'test://watched-resource': { name: 'watched-resource', mimeType: 'text/plain', text: 'Watched resource content' },
  };
  server.setRequestHandler(ListResourcesRequestSchema, async () => ({
    resources: Object.entries(staticResources).map(([uri, r]) => ({ uri, name: r.name, mimeType: r.mimeType })),
  }));
  server.setRequestHandler(ListResourceTemplatesRequestSchema, async () => ({
    resourceTemplates: [{ uriTemplate: 'test://template/{id}/data', name: 'template', mimeType: 'application/json' }],
  }));
  server.setRequestHandler(ReadResourceRequestSchema, async (request) => {
    const uri = request.params.uri;
    const match = /^test:\/\/template\/([^/]+)\/data$/.exec(uri);
    if (match) return { contents: [{ uri, mimeType: 'application/json', text: JSON.stringify({ id: match[1], templateTest: true, data: `Data for ID: ${match[1]}` }) }] };
    const r = staticResources[uri];
    if (!r) throw new Error(`unknown resource ${uri}`);
    return { contents: [r.blob ? { uri, mimeType: r.mimeType, blob: r.blob } : { uri, mimeType: r.mimeType, text: r.text }] };
  });
  server.setRequestHandler(SubscribeRequestSchema, async (request) => { subscriptions.add(request.params.uri); log(`Subscribed to resource: ${request.params.uri}`); return {}; });
  server.setRequestHandler(UnsubscribeRequestSchema, async (request) => { subscriptions.delete(request.params.uri); log(`Unsubscribed from resource: ${request.params.uri}`); return {}; });

  const prompts = {
    test_simple_prompt: { description: 'A prompt without arguments', run: () => [{ role: 'user', content: text('This is a simple prompt for testing.') }] },
    test_prompt_with_arguments: {
      description: 'A prompt with two required arguments',
      arguments: [{ name: 'arg1', description: 'First test argument', required: true }, { name: 'arg2', description: 'Second test argument', required: true }],
      run: (a) => [{ role: 'user', content: text(`Prompt with arguments: arg1='${a.arg1}', arg2='${a.arg2}'`) }],
    },
    test_prompt_with_embedded_resource: {
      description: 'A prompt embedding a resource',
      arguments: [{ name: 'resourceUri', description: 'URI of the resource to embed', required: true }],
      run: (a) => [{ role: 'user', content: { type: 'resource', resource: { uri: a.resourceUri, mimeType: 'text/plain', text: 'Embedded resource content for testing.' } } },
        { role: 'user', content: text('Please process the embedded resource above.') }],
    },
    test_prompt_with_image: {
      description: 'A prompt with an image',
      run: () => [{ role: 'user', content: { type: 'image', data: PIXEL_PNG, mimeType: 'image/png' } }, { role: 'user', content: text('Please analyze the image above.') }],
    },
  };
  server.setRequestHandler(ListPromptsRequestSchema, async () => ({
    prompts: Object.entries(prompts).map(([name, p]) => ({ name, description: p.description, arguments: p.arguments })),
  }));
  server.setRequestHandler(GetPromptRequestSchema, async (request) => {
    const prompt = prompts[request.params.name];
    if (!prompt) throw new Error(`unknown prompt ${request.params.name}`);
    return { messages: prompt.run(request.params.arguments ?? {}) };
  });
  server.setRequestHandler(SetLevelRequestSchema, async (request) => {
    logLevel = request.params.level;
    log(`Log level set to: ${request.params.level}`);
    return {};
  });
  server.setRequestHandler(CompleteRequestSchema, async () => ({ completion: { values: [], total: 0, hasMore: false } }));
  return server;
}

// Loopback servers refuse other Host and Origin values (DNS rebinding protection).
function hostAllowed(req) {
  const host = (req.headers.host || '').replace(/:\d+$/, '');
  if (!['localhost', '127.0.0.1', '[::1]'].includes(host)) return false;
  const origin = req.headers.origin;
  if (!origin) return true;
  try { return ['localhost', '127.0.0.1', '[::1]'].includes(new URL(origin).hostname); } catch { return false; }
}

async function readJson(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  const body = Buffer.concat(chunks).toString('utf8');
  return body ? JSON.parse(body) : undefined;
}

function reject(res, status, message) {
  res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify({ jsonrpc: '2.0', id: null, error: { code: -32000, message } }));
}

// --- MCP 2026-07-28: stateless requests -----------------------------------------------------
// The TypeScript SDK this server is built on knows revisions up to 2025-11-25, so a 2026-07-28
// request (no initialize, no session, protocol version and method in headers) is answered by a
// throwaway server instance behind an in-memory transport, with the 2026 result fields added.
const STATELESS_REVISION = '2026-07-28';
const CACHEABLE = new Set(['server/discover', 'tools/list', 'prompts/list', 'resources/list', 'resources/templates/list', 'resources/read']);
const SERVER_CAPABILITIES = { tools: { listChanged: true }, resources: { subscribe: true, listChanged: true },
  prompts: { listChanged: true }, logging: {}, completions: {} };

function rpcError(res, status, id, code, message) {
  res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify({ jsonrpc: '2.0', id: id ?? null, error: { code, message } }));
}

function with2026Fields(method, result) {
  const out = { resultType: 'complete', ...result };
  if (CACHEABLE.has(method)) { out.ttlMs ??= 0; out.cacheScope ??= 'private'; }
  return out;
}

// Header/body agreement the 2026 revision requires of a server.
function headerProblem(req, message) {
  const method = req.headers['mcp-method'];
  if (method === undefined) return 'missing Mcp-Method header';
  if (method !== message.method) return `Mcp-Method header '${method}' does not match the body's method '${message.method}'`;
  const nameOf = { 'tools/call': message.params?.name, 'prompts/get': message.params?.name, 'resources/read': message.params?.uri };
  if (message.method in nameOf && req.headers['mcp-name'] !== undefined && req.headers['mcp-name'] !== nameOf[message.method])
    return `Mcp-Name header '${req.headers['mcp-name']}' does not match the body`;
  return undefined;
}

async function serveStateless(req, res, message) {
  if (!message || typeof message !== 'object' || Array.isArray(message) || message.jsonrpc !== '2.0')
    return rpcError(res, 400, null, -32600, 'invalid request');
  const problem = headerProblem(req, message);
  if (problem) return rpcError(res, 400, message.id, -32600, problem);
  if (message.id === undefined) { res.writeHead(202).end(); return; }
  if (message.method === 'server/discover') {
    res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ jsonrpc: '2.0', id: message.id,
      result: with2026Fields('server/discover', { supportedVersions: [STATELESS_REVISION, '2025-11-25'], capabilities: SERVER_CAPABILITIES,
        serverInfo: { name: 'moat-sample-conformance-server', version: '0.1.0' } }) }));
    return;
  }
  let streaming = false;
  const write = (payload) => {
    if (!streaming) {
      streaming = true;
      res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache' });
    }
    res.write(`event: message\ndata: ${JSON.stringify(payload)}\n\n`);
  };
  await new Promise((resolve) => {
    const transport = {
      async start() {},
      async close() { resolve(); },
      async send(out) {
        if (out.id === message.id && ('result' in out || 'error' in out)) {
          const reply = 'result' in out ? { ...out, result: with2026Fields(message.method, out.result) } : out;
          if (streaming) { write(reply); res.end(); } else res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(reply));
          resolve();
        } else if (!('id' in out)) {
          write(out);  // notifications related to this request stream before the result
        }
      },
    };
    const server = buildServer();
    server.connect(transport).then(() => transport.onmessage?.(message, { requestInfo: { headers: req.headers } }));
  });
}

function serveStreamableHttp() {
  const sessions = new Map();
  return async (req, res) => {
    if (!req.url.startsWith('/mcp')) return reject(res, 404, 'not found');
    if (!hostAllowed(req)) return reject(res, 403, 'host or origin not allowed');
    const sessionId = req.headers['mcp-session-id'];
    const body = req.method === 'POST' ? await readJson(req).catch(() => null) : undefined;
    if (body === null) return reject(res, 400, 'parse error');
    if (req.method === 'POST' && !sessionId && req.headers['mcp-protocol-version'] === STATELESS_REVISION) return serveStateless(req, res, body);
    let transport = sessionId ? sessions.get(sessionId) : undefined;
    if (!transport) {
      if (sessionId) return reject(res, 404, 'session not found');
      if (req.method !== 'POST' || body?.method !== 'initialize') return reject(res, 400, 'missing session id');
      transport = new StreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        enableJsonResponse: options['json-response'],
        onsessioninitialized: (id) => sessions.set(id, transport),
        onsessionclosed: (id) => sessions.delete(id),
        eventStore: memoryEventStore(),
        retryInterval: 1000,
      });
      const created = transport;
      await buildServer(() => created).connect(transport);
    }
    await transport.handleRequest(req, res, body);
  };
}

function serveLegacySse() {
  const sessions = new Map();
  return async (req, res) => {
    if (!hostAllowed(req)) return reject(res, 403, 'host or origin not allowed');
    const url = new URL(req.url, 'http://localhost');
    if (req.method === 'GET' && url.pathname === '/sse') {
      const transport = new SSEServerTransport('/messages', res);
      sessions.set(transport.sessionId, transport);
      transport.onclose = () => sessions.delete(transport.sessionId);
      await buildServer().connect(transport);
      return;
    }
    if (req.method === 'POST' && url.pathname === '/messages') {
      const transport = sessions.get(url.searchParams.get('sessionId'));
      if (!transport) return reject(res, 404, 'session not found');
      return transport.handlePostMessage(req, res, await readJson(req));
    }
    reject(res, 404, 'not found');
  };
}

if (options.transport === 'stdio') {
  await buildServer().connect(new StdioServerTransport());
} else {
  const handler = options.transport === 'sse' ? serveLegacySse() : serveStreamableHttp();
  const httpServer = http.createServer((req, res) => handler(req, res).catch((error) => {
    console.error(error);
    if (!res.headersSent) reject(res, 500, 'internal error');
  }));
  httpServer.listen(Number(options.port), options.host, () => {
    console.error(`sample MCP server (${options.transport}) listening on http://${options.host}:${httpServer.address().port}`);
  });
  const stop = () => { httpServer.close(() => process.exit(0)); httpServer.closeAllConnections(); };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}
