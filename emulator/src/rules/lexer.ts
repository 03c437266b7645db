// Tokens of the rules language. The lexer is pulled by the parser one token at a time, because
// `/` means division after an operand but starts a path literal elsewhere, and match paths
// (`/users/{id=**}`) are read as raw text: the parser decides, the lexer follows.
import type { Position } from './ast';

export class RulesSyntaxError extends Error {
  constructor(
    readonly pos: Position,
    readonly reason: string,
  ) {
    super(`${pos.file}:${pos.line}:${pos.column}: ${reason}`);
    this.name = 'RulesSyntaxError';
  }
}

export type TokenKind = 'ident' | 'int' | 'float' | 'string' | 'punct' | 'eof';

export interface Token {
  kind: TokenKind;
  /** Identifier name, punctuation text, or the decoded string. */
  text: string;
  /** For numbers: the literal value. */
  int?: bigint;
  float?: number;
  start: number;
  end: number;
  pos: Position;
}

// Longest first, so `<=` wins over `<`.
const PUNCTUATION = [
  '&&',
  '||',
  '==',
  '!=',
  '<=',
  '>=',
  '<',
  '>',
  '!',
  '+',
  '-',
  '*',
  '/',
  '%',
  '?',
  ':',
  ';',
  ',',
  '.',
  '(',
  ')',
  '[',
  ']',
  '{',
  '}',
  '=',
  '$',
];

const ESCAPES: Record<string, string> = {
  n: '\n',
  t: '\t',
  r: '\r',
  b: '\b',
  f: '\f',
  v: '\v',
  '\\': '\\',
  "'": "'",
  '"': '"',
  '/': '/',
};

export class Lexer {
  pos = 0;
  private readonly lineStarts: number[] = [0];

  constructor(
    readonly source: string,
    readonly file: string,
  ) {
    for (let i = 0; i < source.length; i++) {
      if (source[i] === '\n') this.lineStarts.push(i + 1);
    }
  }

  /** Line and column (1-based) of an offset. */
  position(offset: number): Position {
    let lo = 0;
    let hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.lineStarts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { file: this.file, line: lo + 1, column: offset - this.lineStarts[lo] + 1 };
  }

  error(offset: number, reason: string): RulesSyntaxError {
    return new RulesSyntaxError(this.position(offset), reason);
  }

  /** Skips whitespace and comments. */
  skipTrivia(): void {
    const s = this.source;
    for (;;) {
      const c = s[this.pos];
      if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
        this.pos++;
      } else if (c === '/' && s[this.pos + 1] === '/') {
        while (this.pos < s.length && s[this.pos] !== '\n') this.pos++;
      } else if (c === '/' && s[this.pos + 1] === '*') {
        const end = s.indexOf('*/', this.pos + 2);
        if (end < 0) throw this.error(this.pos, 'unterminated comment');
        this.pos = end + 2;
      } else {
        return;
      }
    }
  }

  next(): Token {
    this.skipTrivia();
    const s = this.source;
    const start = this.pos;
    const pos = this.position(start);
    const make = (kind: TokenKind, text: string, extra: Partial<Token> = {}): Token => ({
      kind,
      text,
      start,
      end: this.pos,
      pos,
      ...extra,
    });
    if (start >= s.length) return make('eof', '');
    const c = s[start];
    if (/[A-Za-z_]/.test(c)) {
      // r'...' and r"..." are raw strings (no escapes), as in the rules reference's regexes.
      if (c === 'r' && (s[start + 1] === "'" || s[start + 1] === '"')) {
        this.pos++;
        return make('string', this.readString(true), { start });
      }
      while (this.pos < s.length && /[A-Za-z0-9_]/.test(s[this.pos])) this.pos++;
      return make('ident', s.slice(start, this.pos));
    }
    if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(s[start + 1] ?? ''))) {
      const m = /^(?:0[xX][0-9a-fA-F]+|[0-9]*\.?[0-9]+(?:[eE][+-]?[0-9]+)?|[0-9]+\.)/.exec(
        s.slice(start),
      );
      const text = m ? m[0] : c;
      this.pos += text.length;
      if (/^0[xX]/.test(text)) return make('int', text, { int: BigInt(text) });
      if (/[.eE]/.test(text)) return make('float', text, { float: Number(text) });
      return make('int', text, { int: BigInt(text) });
    }
    if (c === "'" || c === '"') return make('string', this.readString(false));
    for (const p of PUNCTUATION) {
      if (s.startsWith(p, start)) {
        this.pos += p.length;
        return make('punct', p);
      }
    }
    throw this.error(start, `unexpected character '${c}'`);
  }

  private readString(raw: boolean): string {
    const s = this.source;
    const quote = s[this.pos];
    const start = this.pos;
    this.pos++;
    let out = '';
    while (this.pos < s.length && s[this.pos] !== quote) {
      const c = s[this.pos];
      if (c === '\n') break;
      if (c === '\\' && !raw) {
        const e = s[this.pos + 1];
        if (e === 'u') {
          const hex = s.slice(this.pos + 2, this.pos + 6);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) throw this.error(this.pos, 'bad \\u escape');
          out += String.fromCharCode(parseInt(hex, 16));
          this.pos += 6;
          continue;
        }
        if (e !== undefined && e in ESCAPES) {
          out += ESCAPES[e];
          this.pos += 2;
          continue;
        }
        // Unknown escapes (e.g. `\.` in a regex) keep the backslash, as regexes need it.
        out += c + (e ?? '');
        this.pos += 2;
        continue;
      }
      out += c;
      this.pos++;
    }
    if (s[this.pos] !== quote) throw this.error(start, 'unterminated string');
    this.pos++;
    return out;
  }
}
