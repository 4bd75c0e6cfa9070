/**
 * A minimal OTLP/gRPC trace collector on loopback: a real grpc-js server implementing
 * `opentelemetry.proto.collector.trace.v1.TraceService/Export`, decoding requests with
 * protobufjs from the subset of the OTLP schema written out below (field numbers from
 * opentelemetry-proto). Tests assert on what the exporter actually sent over the wire.
 */
import * as grpc from '@grpc/grpc-js';
import protobuf from 'protobufjs';

const OTLP_TRACE_SUBSET = `
syntax = "proto3";
package otlp;
message AnyValue {
  oneof value { string string_value = 1; bool bool_value = 2; int64 int_value = 3; double double_value = 4; }
}
message KeyValue { string key = 1; AnyValue value = 2; }
message Resource { repeated KeyValue attributes = 1; }
message InstrumentationScope { string name = 1; string version = 2; }
message Status { string message = 2; int32 code = 3; }
message Event { fixed64 time_unix_nano = 1; string name = 2; repeated KeyValue attributes = 3; }
message Span {
  bytes trace_id = 1; bytes span_id = 2; string trace_state = 3; bytes parent_span_id = 4;
  string name = 5; int32 kind = 6; repeated KeyValue attributes = 9; repeated Event events = 11;
  Status status = 15;
}
message ScopeSpans { InstrumentationScope scope = 1; repeated Span spans = 2; }
message ResourceSpans { Resource resource = 1; repeated ScopeSpans scope_spans = 2; }
message ExportTraceServiceRequest { repeated ResourceSpans resource_spans = 1; }
`;

export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  kind: number;
  attributes: Record<string, unknown>;
  events: { name: string; attributes: Record<string, unknown> }[];
  status: { code: number; message: string };
  resource: Record<string, unknown>;
  scope: string;
}

export interface OtlpReceiver {
  port: number;
  spans: ReceivedSpan[];
  waitForSpans(count: number, timeoutMs?: number): Promise<ReceivedSpan[]>;
  close(): Promise<void>;
}

interface RawKeyValue {
  key: string;
  value?: { string_value?: string; bool_value?: boolean; int_value?: string; double_value?: number };
}

function attributesOf(list: RawKeyValue[] | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const { key, value } of list ?? []) {
    out[key] = value?.string_value ?? value?.bool_value ?? (value?.int_value !== undefined ? Number(value.int_value) : value?.double_value);
  }
  return out;
}

const hex = (bytes: Uint8Array | undefined): string => Buffer.from(bytes ?? []).toString('hex');

export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const requestType = protobuf.parse(OTLP_TRACE_SUBSET, { keepCase: true }).root.lookupType('otlp.ExportTraceServiceRequest');
  const spans: ReceivedSpan[] = [];
  const waiters = new Set<() => void>();

  const decode = (buffer: Buffer): ReceivedSpan[] => {
    const request = requestType.toObject(requestType.decode(buffer), { longs: String, arrays: true }) as {
      resource_spans: {
        resource?: { attributes?: RawKeyValue[] };
        scope_spans?: {
          scope?: { name?: string };
          spans?: {
            trace_id?: Uint8Array;
            span_id?: Uint8Array;
            parent_span_id?: Uint8Array;
            name?: string;
            kind?: number;
            attributes?: RawKeyValue[];
            events?: { name?: string; attributes?: RawKeyValue[] }[];
            status?: { code?: number; message?: string };
          }[];
        }[];
      }[];
    };
    return request.resource_spans.flatMap((rs) =>
      (rs.scope_spans ?? []).flatMap((ss) =>
        (ss.spans ?? []).map((span) => ({
          traceId: hex(span.trace_id),
          spanId: hex(span.span_id),
          parentSpanId: hex(span.parent_span_id),
          name: span.name ?? '',
          kind: span.kind ?? 0,
          attributes: attributesOf(span.attributes),
          events: (span.events ?? []).map((e) => ({ name: e.name ?? '', attributes: attributesOf(e.attributes) })),
          status: { code: span.status?.code ?? 0, message: span.status?.message ?? '' },
          resource: attributesOf(rs.resource?.attributes),
          scope: ss.scope?.name ?? '',
        })),
      ),
    );
  };

  const service: grpc.ServiceDefinition = {
    Export: {
      path: '/opentelemetry.proto.collector.trace.v1.TraceService/Export',
      requestStream: false,
      responseStream: false,
      requestSerialize: (value: Buffer) => value,
      requestDeserialize: (buffer: Buffer) => buffer,
      // An empty ExportTraceServiceResponse (all fields default) encodes to zero bytes.
      responseSerialize: () => Buffer.alloc(0),
      responseDeserialize: (buffer: Buffer) => buffer,
    },
  };

  const server = new grpc.Server();
  server.addService(service, {
    Export: (call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) => {
      spans.push(...decode(call.request));
      for (const wake of waiters) wake();
      callback(null, Buffer.alloc(0));
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, bound) =>
      error ? reject(error) : resolve(bound),
    ),
  );

  return {
    port,
    spans,
    waitForSpans(count, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const check = (): void => {
          if (spans.length < count) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve(spans);
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`expected ${count} spans, received ${spans.length}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.tryShutdown(() => resolve());
      }),
  };
}
