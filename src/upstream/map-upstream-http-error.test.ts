import { describe, expect, it } from 'vitest';
import { mapUpstreamHttpError } from './map-upstream-http-error.js';

describe('mapUpstreamHttpError', () => {
  it('keeps an OpenAI error body as is', () => {
    const err = mapUpstreamHttpError(400, JSON.stringify({ error: { message: 'Bad temp', type: 'invalid_request_error', param: 'temperature', code: 'invalid_value' } }));
    expect(err.toBody()).toEqual({ error: { message: 'Bad temp', type: 'invalid_request_error', param: 'temperature', code: 'invalid_value' } });
    expect(err.status).toBe(400);
  });

  it('reads vLLM error bodies (numeric code dropped) and keeps 404 for an unknown model', () => {
    const err = mapUpstreamHttpError(404, '{"error":{"code":404,"message":"The model `x` does not exist.","param":"model","type":"NotFoundError"}}');
    expect(err).toMatchObject({ status: 404, message: 'The model `x` does not exist.', type: 'invalid_request_error', param: 'model', code: null });
    const flat = mapUpstreamHttpError(400, '{"object":"error","message":"bad","type":"BadRequestError","param":null,"code":400}');
    expect(flat).toMatchObject({ status: 400, message: 'bad', code: null });
  });

  it('turns context-length messages into 400 context_length_exceeded', () => {
    const vllm = "This model's maximum context length is 4096 tokens. However, you requested 5000 tokens. Please reduce the length of the messages or completion.";
    for (const status of [400, 413, 422]) {
      expect(mapUpstreamHttpError(status, JSON.stringify({ object: 'error', message: vllm, type: 'BadRequestError', code: 400 }))).toMatchObject({
        status: 400,
        code: 'context_length_exceeded',
        type: 'invalid_request_error',
        message: vllm,
      });
    }
    expect(mapUpstreamHttpError(400, JSON.stringify({ error: { message: 'too long', code: 'context_length_exceeded', param: 'messages' } }))).toMatchObject({
      code: 'context_length_exceeded',
      param: 'messages',
    });
  });

  it('keeps 5xx statuses with type upstream_error, and handles plain text and FastAPI detail bodies', () => {
    expect(mapUpstreamHttpError(503, 'Service Unavailable')).toMatchObject({ status: 503, type: 'upstream_error', code: 'service_unavailable', message: 'The upstream model server answered HTTP 503 (Service Unavailable).' });
    expect(mapUpstreamHttpError(500, '')).toMatchObject({ status: 500, message: 'The upstream model server answered HTTP 500 (Internal Server Error).' });
    expect(mapUpstreamHttpError(422, '{"detail":[{"msg":"field required"}]}')).toMatchObject({ status: 422, message: 'field required', type: 'invalid_request_error' });
    expect(mapUpstreamHttpError(429, '{"error":"slow down"}')).toMatchObject({ status: 429, type: 'rate_limit_error', message: 'slow down', code: 'rate_limit_exceeded' });
    expect(mapUpstreamHttpError(401, '{}')).toMatchObject({ status: 401, type: 'authentication_error' });
    expect(mapUpstreamHttpError(302, 'moved')).toMatchObject({ status: 502 });
  });

  it('never passes an error page through: a short description for clients, the body for the log', () => {
    const page = `<html><body><h1>500 Internal Server Error</h1><pre>Traceback (most recent call last):\n  File "/srv/internal-host-17/app.py"</pre>${'x'.repeat(60_000)}</body></html>`;
    const err = mapUpstreamHttpError(500, page);
    expect(err.message).toBe('The upstream model server answered HTTP 500 (Internal Server Error).');
    expect(JSON.stringify(err.toBody())).not.toMatch(/internal-host|Traceback|html/);
    expect(err.upstreamBody).toContain('internal-host-17');
    expect(err.upstreamBody.length).toBeLessThanOrEqual(2000);
    expect(mapUpstreamHttpError(502, 'Bad Gateway from nginx/1.2.3 on lb-internal')).toMatchObject({ status: 502, code: 'upstream_error', message: 'The upstream model server answered HTTP 502 (Bad Gateway).' });
    // A JSON error's message is kept (bounded).
    expect(mapUpstreamHttpError(400, JSON.stringify({ error: { message: 'm'.repeat(10_000) } })).message).toHaveLength(2000);
  });
});
