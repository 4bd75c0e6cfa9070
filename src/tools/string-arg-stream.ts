/**
 * Pulls the decoded value of one string property out of a JSON object that arrives in
 * fragments, so a tool can stream it to the client as the model writes it: code_interpreter's
 * `{"code": "import math\nprint(1)"}` (`code_interpreter_call_code.delta`) and a custom tool's
 * `{"input": "…"}` (`custom_tool_call_input.delta`), split anywhere. Shared by tools, so it lives
 * beside the tool interfaces rather than in either tool's folder.
 *
 * It is deliberately forgiving: anything it cannot follow simply yields nothing, and each caller
 * takes the final value from the complete arguments.
 */
export class StringArgStream {
  private state: 'seek' | 'in_value' | 'done' = 'seek';
  private pending = '';
  private escape = '';

  constructor(private readonly key: string) {}

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
