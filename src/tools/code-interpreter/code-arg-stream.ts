/**
 * Pulls the decoded value of one string property (`"code"`) out of a JSON object that arrives
 * in fragments, so the code can be streamed to the client as the model writes it. The model's
 * tool-call arguments look like `{"code": "import math\nprint(1)"}`, split anywhere.
 *
 * It is deliberately forgiving: anything it cannot follow simply yields nothing, and the final
 * code is always taken from the complete arguments (`finalCode`).
 */
export class CodeArgStream {
  private state: 'seek' | 'in_value' | 'done' = 'seek';
  private pending = '';
  private escape = '';

  constructor(private readonly key = 'code') {}

  /** Feed a fragment; returns newly decoded characters of the value ('' if none). */
  push(fragment: string): string {
    if (this.state === 'done') return '';
    if (this.state === 'seek') {
      this.pending += fragment;
      const match = new RegExp(`"${this.key}"\\s*:\\s*"`).exec(this.pending);
      if (!match) {
        // Keep only a tail long enough to hold a split `"code" : "` marker.
        if (this.pending.length > 256) this.pending = this.pending.slice(-64);
        return '';
      }
      fragment = this.pending.slice(match.index + match[0].length);
      this.pending = '';
      this.state = 'in_value';
    }
    return this.decode(fragment);
  }

  private decode(text: string): string {
    let out = '';
    for (let i = 0; i < text.length; i++) {
      const ch = text[i]!;
      if (this.escape) {
        this.escape += ch;
        if (this.escape.startsWith('\\u')) {
          if (this.escape.length < 6) continue;
          out += String.fromCharCode(parseInt(this.escape.slice(2), 16));
        } else {
          out += ESCAPES[ch] ?? ch;
        }
        this.escape = '';
        continue;
      }
      if (ch === '\\') {
        this.escape = '\\';
      } else if (ch === '"') {
        this.state = 'done';
        break;
      } else {
        out += ch;
      }
    }
    return out;
  }
}

const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', b: '\b', f: '\f', '"': '"', '\\': '\\', '/': '/' };

/**
 * The code from the complete arguments: the `code` property of a JSON object, or the raw text
 * when a model sent bare code instead of JSON (some small models do).
 */
export function finalCode(args: string): string {
  try {
    const parsed: unknown = JSON.parse(args);
    if (parsed && typeof parsed === 'object' && typeof (parsed as { code?: unknown }).code === 'string') {
      return (parsed as { code: string }).code;
    }
    if (typeof parsed === 'string') return parsed;
  } catch {
    // not JSON: fall through
  }
  return args;
}
