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
    expect(mapUpstreamHttpError(503, 'Service Unavailable')).toMatchObject({ status: 503, type: 'upstream_error', message: 'Service Unavailable' });
    expect(mapUpstreamHttpError(500, '')).toMatchObject({ status: 500, message: 'Upstream model server returned HTTP 500.' });
    expect(mapUpstreamHttpError(422, '{"detail":[{"msg":"field required"}]}')).toMatchObject({ status: 422, message: 'field required', type: 'invalid_request_error' });
    expect(mapUpstreamHttpError(429, '{"error":"slow down"}')).toMatchObject({ status: 429, type: 'rate_limit_error', message: 'slow down' });
    expect(mapUpstreamHttpError(401, '{}')).toMatchObject({ status: 401, type: 'authentication_error' });
    expect(mapUpstreamHttpError(302, 'moved')).toMatchObject({ status: 502 });
  });
});
