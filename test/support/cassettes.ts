import { readFileSync } from 'node:fs';
import { parse } from 'yaml';

/** A recorded HTTP exchange (see test/fixtures/cassettes/README.md). */
export interface Cassette {
  request: { body: any };
  response: { status_code: number; headers: Record<string, string>; sse?: string[]; body?: unknown };
}

export function cassette(path: string): Cassette {
  return parse(readFileSync(new URL(`../fixtures/cassettes/${path}`, import.meta.url), 'utf8')) as Cassette;
}

/** The JSON payloads of a recorded Responses stream, in order. */
export function recordedEvents(path: string): any[] {
  return (cassette(path).response.sse ?? []).filter((p) => p.startsWith('data: ')).map((p) => JSON.parse(p.slice(6)));
}

/**
 * OpenAI's event types from a Responses cassette without the events of its hosted reasoning
 * items (encrypted summaries a self-hosted model does not produce).
 */
export function groundTruthTypes(path: string): string[] {
  const events = recordedEvents(path);
  const reasoningIndexes = new Set(events.filter((e) => e.item?.type === 'reasoning').map((e) => e.output_index));
  return events.filter((e) => !(e.output_index !== undefined && reasoningIndexes.has(e.output_index))).map((e) => e.type);
}

/** Event grammar with runs of the same delta collapsed (text is chunked differently per model). */
export function collapseDeltas(types: string[]): string[] {
  return types.filter((t, i) => !(t.endsWith('.delta') && types[i - 1] === t));
}
