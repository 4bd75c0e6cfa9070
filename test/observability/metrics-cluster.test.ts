/**
 * Cluster aggregation for real: a node:cluster primary with two workers sharing one port
 * (support/metrics-cluster.ts). Whichever worker answers the scrape, the body is the sum over
 * all workers plus the primary's own registry.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleValue } from './support/exposition.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');

interface Reply {
  status: number;
  worker: string | undefined;
  contentType: string | undefined;
  body: string;
}

// A fresh connection per request (agent: false) so the cluster's round-robin spreads the
// requests over both workers; a keep-alive client would stick to one.
function get(port: number, urlPath: string, method = 'GET'): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: urlPath, method, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          worker: res.headers['x-worker'] as string | undefined,
          contentType: res.headers['content-type'],
          body,
        }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

describe('metrics aggregation across node:cluster workers', () => {
  let child: ChildProcess;
  let port = 0;

  beforeAll(async () => {
    child = spawn(process.execPath, ['--import', 'tsx', path.join(here, 'support/metrics-cluster.ts')], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    port = await new Promise<number>((resolve, reject) => {
      let out = '';
      child.stdout?.on('data', (chunk: Buffer) => {
        out += chunk.toString('utf8');
        const match = /READY (\d+)/.exec(out);
        if (match) resolve(Number(match[1]));
      });
      child.once('exit', (code) => reject(new Error(`cluster exited early with ${code}`)));
    });
  });

  afterAll(async () => {
    if (child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
  });

  it('serves the sum over all workers from whichever worker answers', async () => {
    const servedBy = new Set<string>();
    for (let i = 0; i < 8; i++) {
      const reply = await get(port, '/metrics');
      expect(reply.status, reply.body).toBe(200);
      expect(reply.contentType).toMatch(/^text\/plain; version=0\.0\.4/);
      if (reply.worker) servedBy.add(reply.worker);
      const body = reply.body;
      const route = { method: 'GET', route: '/v1/responses/{response_id}', status: '200' };
      expect(sampleValue(body, 'vllm_responses_http_requests_total', route)).toBe(3); // 1 + 2
      expect(sampleValue(body, 'vllm_responses_http_in_flight_requests')).toBe(6); // gauges sum: 2 + 4
      expect(sampleValue(body, 'vllm_responses_sse_connections_in_flight')).toBe(3);
      expect(sampleValue(body, 'vllm_responses_tool_calls_requested_total', { tool_type: 'code_interpreter' })).toBe(30);
      const ttft = { api_kind: 'chat_completions' };
      expect(sampleValue(body, 'vllm_responses_upstream_time_to_first_token_seconds_count', ttft)).toBe(3);
      expect(sampleValue(body, 'vllm_responses_upstream_time_to_first_token_seconds_bucket', { ...ttft, le: '0.25' })).toBe(3);
      expect(sampleValue(body, 'vllm_responses_upstream_time_to_first_token_seconds_bucket', { ...ttft, le: '0.1' })).toBe(0);
      expect(sampleValue(body, 'vllm_responses_upstream_time_to_first_token_seconds_bucket', { ...ttft, le: '+Inf' })).toBe(3);
      // Recorded once, in the primary's own registry.
      expect(sampleValue(body, 'vllm_responses_mcp_server_startup_total', { server_label: 'docs', status: 'ok' })).toBe(1);
      // Every metric docs/observability.md lists is exposed even before it has a sample.
      for (const name of [
        'http_request_duration_seconds',
        'sse_stream_duration_seconds',
        'tool_calls_executed_total',
        'tool_execution_duration_seconds',
        'tool_errors_total',
        'upstream_request_duration_seconds',
      ]) {
        expect(body).toContain(`# TYPE vllm_responses_${name} `);
      }
    }
    expect([...servedBy].sort()).toEqual(['1', '2']);
  });

  it('keeps answering, with the survivor only, after a worker exits', async () => {
    const gone = (await get(port, '/exit', 'POST')).body;
    const survivor = gone === '1' ? 2 : 1;
    // The primary notices the exit asynchronously; poll until the sum reflects it.
    let total: number | undefined;
    for (let attempt = 0; attempt < 50; attempt++) {
      const reply = await get(port, '/metrics');
      expect(reply.status, reply.body).toBe(200);
      total = sampleValue(reply.body, 'vllm_responses_http_requests_total', { status: '200' });
      if (total === survivor) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(total).toBe(survivor);
  });
});
