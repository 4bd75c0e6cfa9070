import type { ResponsesWS } from 'openai/resources/responses/ws';

const TERMINAL = new Set(['response.completed', 'response.failed', 'response.incomplete']);

/** Events of the next response on this connection, up to its terminal event (or an error event). */
export function nextResponse(ws: ResponsesWS): Promise<any[]> {
  return new Promise((resolve) => {
    const events: any[] = [];
    const onEvent = (ev: any) => {
      events.push(ev);
      if (TERMINAL.has(ev.type) || (ev.type === 'error' && events.length === 1)) {
        ws.off('event', onEvent);
        resolve(events);
      }
    };
    ws.on('event', onEvent);
  });
}
