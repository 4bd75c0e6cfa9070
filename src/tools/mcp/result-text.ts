/**
 * What the model (and the `mcp_call.output` field) gets from an MCP tool result: text content
 * as is, other content summarised, structured content as JSON when there is no text.
 */
export function resultText(content: unknown[], structured?: unknown): string {
  const parts: string[] = [];
  for (const c of content) {
    const part = c as { type?: string; text?: string; resource?: { uri?: string; text?: string }; uri?: string; mimeType?: string };
    if (part.type === 'text' && typeof part.text === 'string') parts.push(part.text);
    else if (part.type === 'resource' && typeof part.resource?.text === 'string') parts.push(part.resource.text);
    else if (part.type === 'resource_link' && part.uri) parts.push(`[resource ${part.uri}]`);
    else if (part.type === 'image' || part.type === 'audio') parts.push(`[${part.type} ${part.mimeType ?? ''}]`.replace(' ]', ']'));
    else parts.push(JSON.stringify(c));
  }
  if (parts.length === 0 && structured !== undefined) return JSON.stringify(structured);
  return parts.join('\n');
}
