// Collects one stream (stdout or stderr) of one call, keeping at most `maxBytes` and noting
// how much was dropped, so a print loop cannot balloon memory or the HTTP response.
export class OutputCollector {
  private readonly chunks: Uint8Array[] = [];
  private kept = 0;
  private dropped = 0;

  constructor(private readonly maxBytes: number) {}

  write(bytes: Uint8Array): void {
    const room = this.maxBytes - this.kept;
    if (room <= 0) {
      this.dropped += bytes.byteLength;
      return;
    }
    const part = bytes.byteLength <= room ? bytes : bytes.subarray(0, room);
    this.chunks.push(part.slice());
    this.kept += part.byteLength;
    this.dropped += bytes.byteLength - part.byteLength;
  }

  text(): string {
    // A multi-byte character cut at the cap decodes to U+FFFD, which is acceptable.
    const body = new TextDecoder().decode(Buffer.concat(this.chunks));
    return this.dropped > 0 ? `${body}\n[output truncated: ${this.dropped} more bytes not shown]` : body;
  }
}

/** Truncates a string to about `maxBytes` of UTF-8, with the same kind of note. */
export function capText(text: string, maxBytes: number): string {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.byteLength <= maxBytes) return text;
  const head = new TextDecoder().decode(bytes.subarray(0, maxBytes));
  return `${head}\n[output truncated: ${bytes.byteLength - maxBytes} more bytes not shown]`;
}
