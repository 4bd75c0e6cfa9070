import { invalidRequest } from '../../api/errors.js';
import type { ContentPart, FunctionCallOutputContent } from '../../api/items.js';
import type { ChatContentPart } from './chat-types.js';

type AnyPart = ContentPart | Exclude<FunctionCallOutputContent, string>[number];

/**
 * Responses content parts → Chat Completions content. All-text content becomes one plain string
 * (the most widely accepted form: every chat template renders it, and vLLM itself joins text
 * parts with "\n" for string-format templates, so we join the same way); anything with an image
 * or file stays a part list.
 */
export function convertContentParts(parts: readonly AnyPart[]): string | ChatContentPart[] {
  const converted = parts.map(convertPart);
  if (converted.every((p) => p.type === 'text')) {
    return converted.map((p) => (p as { text: string }).text).join('\n');
  }
  return converted;
}

/** Plain text of parts, for places that only take text (assistant messages). */
export function textOfParts(parts: readonly ContentPart[]): string {
  return parts
    .map((p) => (p.type === 'refusal' ? p.refusal : 'text' in p ? p.text : ''))
    .filter((t) => t !== '')
    .join('\n');
}

function convertPart(part: AnyPart): ChatContentPart {
  switch (part.type) {
    case 'input_text':
    case 'output_text':
      return { type: 'text', text: part.text };
    case 'refusal':
      return { type: 'text', text: part.refusal };
    case 'input_image': {
      const url = part.image_url;
      if (typeof url !== 'string' || !url) {
        throw invalidRequest('input_image parts need an image_url (an https URL or a data URL); file_id is not supported by this gateway.', 'input');
      }
      const detail = part.detail === 'low' || part.detail === 'high' || part.detail === 'auto' ? part.detail : undefined;
      return { type: 'image_url', image_url: detail ? { url, detail } : { url } };
    }
    case 'input_file':
      return convertFile(part as Record<string, unknown>);
  }
}

/**
 * Chat Completions `file` parts carry inline data only (`file_data`); a URL or an uploaded
 * `file_id` cannot be expressed for an OpenAI-compatible upstream, so those are a clear 400.
 */
function convertFile(part: Record<string, unknown>): ChatContentPart {
  const data = part.file_data;
  const filename = typeof part.filename === 'string' && part.filename ? part.filename : undefined;
  if (typeof data === 'string' && data) {
    return { type: 'file', file: filename ? { file_data: data, filename } : { file_data: data } };
  }
  const form = typeof part.file_url === 'string' ? 'file_url' : typeof part.file_id === 'string' ? 'file_id' : 'an empty input_file';
  throw invalidRequest(
    `input_file with ${form} cannot be forwarded to a Chat Completions upstream; send the file inline as file_data (a base64 data URL).`,
    'input',
  );
}
