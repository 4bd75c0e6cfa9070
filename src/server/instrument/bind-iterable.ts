/**
 * A streamed response body is pulled by the socket (Readable.from calls `next()` from 'drain'
 * events), not by the request handler, so without this the async context of later pulls would be
 * the socket's: spans would lose their parent request and timings their request. Binding each
 * `next()` to a snapshot taken in the handler keeps the request's context (OpenTelemetry's and
 * the request scope's) for the whole stream.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

export function bindToCurrentContext<T>(iterable: AsyncIterable<T>): AsyncIterable<T> {
  const inContext = AsyncLocalStorage.snapshot();
  return {
    [Symbol.asyncIterator]() {
      const it = iterable[Symbol.asyncIterator]();
      return {
        next: () => inContext(() => it.next()),
        return: (value?: unknown) => inContext(() => (it.return ? it.return(value) : Promise.resolve({ done: true as const, value: undefined }))),
        throw: (error?: unknown) => inContext(() => (it.throw ? it.throw(error) : Promise.reject(error))),
      } as AsyncIterator<T>;
    },
  };
}
