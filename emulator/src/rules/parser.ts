// Recursive-descent parser for rules files: `rules_version`, `service` blocks, nested `match`
// blocks, `allow` statements, and `function` declarations with `let` bindings. A syntax error
// is a RulesSyntaxError naming file, line and column.
import type {
  Allow,
  AllowMethod,
  BinaryOp,
  Expr,
  FunctionDecl,
  MatchBlock,
  MatchSegment,
  PathSegment,
  RulesFile,
  ServiceBlock,
} from './ast';
import { Lexer, RulesSyntaxError, type Token } from './lexer';

const METHODS: readonly AllowMethod[] = [
  'read',
  'write',
  'get',
  'list',
  'create',
  'update',
  'delete',
];

const RELATIONS = new Set(['==', '!=', '<', '<=', '>', '>=']);

class Parser {
  private tok: Token;

  constructor(private readonly lexer: Lexer) {
    this.tok = lexer.next();
  }

  // ---- token helpers ----

  private advance(): Token {
    const t = this.tok;
    this.tok = this.lexer.next();
    return t;
  }

  /** Moves the lexer to `offset` and reads the next token from there. */
  private seek(offset: number): void {
    this.lexer.pos = offset;
    this.tok = this.lexer.next();
  }

  private is(text: string): boolean {
    return (this.tok.kind === 'punct' || this.tok.kind === 'ident') && this.tok.text === text;
  }

  private accept(text: string): boolean {
    if (!this.is(text)) return false;
    this.advance();
    return true;
  }

  private expect(text: string): Token {
    if (!this.is(text)) throw this.fail(`expected '${text}'`);
    return this.advance();
  }

  private ident(what: string): Token {
    if (this.tok.kind !== 'ident') throw this.fail(`expected ${what}`);
    return this.advance();
  }

  private fail(reason: string, at: Token = this.tok): RulesSyntaxError {
    const found = at.kind === 'eof' ? 'end of file' : `'${at.text}'`;
    return new RulesSyntaxError(at.pos, `${reason}, found ${found}`);
  }

  // ---- file structure ----

  parseFile(): RulesFile {
    let version: '1' | '2' = '1';
    const functions: FunctionDecl[] = [];
    const services: ServiceBlock[] = [];
    while (this.tok.kind !== 'eof') {
      if (this.is('rules_version')) {
        this.advance();
        this.expect('=');
        const v = this.tok;
        if (v.kind !== 'string' || (v.text !== '1' && v.text !== '2')) {
          throw this.fail("rules_version must be '1' or '2'");
        }
        this.advance();
        version = v.text as '1' | '2';
        this.accept(';');
      } else if (this.is('service')) {
        services.push(this.parseService());
      } else if (this.is('function')) {
        functions.push(this.parseFunction());
      } else {
        throw this.fail("expected 'rules_version', 'service' or 'function'");
      }
    }
    if (services.length === 0) {
      throw new RulesSyntaxError(this.tok.pos, 'a rules file needs a service block');
    }
    return {
      file: this.lexer.file,
      source: this.lexer.source,
      version,
      functions,
      services,
    };
  }

  private parseService(): ServiceBlock {
    const start = this.expect('service');
    let name = this.ident('a service name').text;
    while (this.accept('.')) name += '.' + this.ident('a service name').text;
    const block: ServiceBlock = { name, functions: [], matches: [], pos: start.pos };
    this.expect('{');
    while (!this.accept('}')) {
      if (this.is('match')) block.matches.push(this.parseMatch());
      else if (this.is('function')) block.functions.push(this.parseFunction());
      else throw this.fail("expected 'match', 'function' or '}'");
    }
    return block;
  }

  private parseMatch(): MatchBlock {
    const start = this.expect('match');
    if (!this.is('/')) throw this.fail("expected a path starting with '/'");
    const { segments, text, end } = this.readMatchPath(this.tok.start);
    this.seek(end);
    const block: MatchBlock = {
      segments,
      pathText: text,
      allows: [],
      functions: [],
      matches: [],
      pos: start.pos,
    };
    this.expect('{');
    while (!this.accept('}')) {
      if (this.is('match')) block.matches.push(this.parseMatch());
      else if (this.is('function')) block.functions.push(this.parseFunction());
      else if (this.is('allow')) block.allows.push(this.parseAllow());
      else throw this.fail("expected 'match', 'allow', 'function' or '}'");
    }
    return block;
  }

  /** Reads `/seg/{name}/{rest=**}` as raw text starting at the first `/`. */
  private readMatchPath(offset: number): { segments: MatchSegment[]; text: string; end: number } {
    const s = this.lexer.source;
    let i = offset;
    const segments: MatchSegment[] = [];
    while (s[i] === '/') {
      i++;
      if (s[i] === '{') {
        const close = s.indexOf('}', i);
        if (close < 0) throw this.lexer.error(i, "unterminated wildcard: missing '}'");
        const inner = s.slice(i + 1, close).trim();
        const m = /^([A-Za-z_][A-Za-z0-9_]*)(\s*=\s*\*\*)?$/.exec(inner);
        if (!m) throw this.lexer.error(i, `bad wildcard '{${inner}}'`);
        segments.push(m[2] ? { kind: 'rest', name: m[1] } : { kind: 'single', name: m[1] });
        i = close + 1;
      } else {
        const m = /^[^/\s{}]+/.exec(s.slice(i));
        if (!m) throw this.lexer.error(i, 'empty path segment');
        segments.push({ kind: 'literal', text: m[0] });
        i += m[0].length;
      }
    }
    return { segments, text: s.slice(offset, i), end: i };
  }

  private parseAllow(): Allow {
    const start = this.expect('allow');
    const methods: AllowMethod[] = [];
    do {
      const t = this.ident('a method');
      if (!METHODS.includes(t.text as AllowMethod)) {
        throw this.fail(`unknown method '${t.text}' (expected one of ${METHODS.join(', ')})`, t);
      }
      methods.push(t.text as AllowMethod);
    } while (this.accept(','));
    let condition: Expr | undefined;
    let conditionText = 'true';
    if (this.accept(':')) {
      this.expect('if');
      const from = this.tok.start;
      condition = this.parseExpr();
      conditionText = this.lexer.source.slice(from, this.lastEnd).trim();
    }
    this.accept(';');
    return { methods, condition, conditionText, pos: start.pos };
  }

  private lastEnd = 0;

  private parseFunction(): FunctionDecl {
    const start = this.expect('function');
    const name = this.ident('a function name').text;
    this.expect('(');
    const params: string[] = [];
    if (!this.is(')')) {
      do params.push(this.ident('a parameter name').text);
      while (this.accept(','));
    }
    this.expect(')');
    this.expect('{');
    const lets: Array<{ name: string; value: Expr }> = [];
    while (this.accept('let')) {
      const n = this.ident('a variable name').text;
      this.expect('=');
      lets.push({ name: n, value: this.parseExpr() });
      this.expect(';');
    }
    this.expect('return');
    const body = this.parseExpr();
    this.accept(';');
    this.expect('}');
    return { name, params, lets, body, pos: start.pos };
  }

  // ---- expressions, lowest precedence first ----

  parseExpr(): Expr {
    return this.parseTernary();
  }

  /** True when every token has been read. */
  atEnd(): boolean {
    return this.tok.kind === 'eof';
  }

  private parseTernary(): Expr {
    const test = this.parseOr();
    if (!this.is('?')) return test;
    const q = this.advance();
    const then = this.parseTernary();
    this.expect(':');
    const otherwise = this.parseTernary();
    return { kind: 'ternary', test, then, otherwise, pos: q.pos };
  }

  private parseOr(): Expr {
    let left = this.parseAnd();
    while (this.is('||')) {
      const t = this.advance();
      left = { kind: 'binary', op: '||', left, right: this.parseAnd(), pos: t.pos };
    }
    return left;
  }

  private parseAnd(): Expr {
    let left = this.parseRelation();
    while (this.is('&&')) {
      const t = this.advance();
      left = { kind: 'binary', op: '&&', left, right: this.parseRelation(), pos: t.pos };
    }
    return left;
  }

  private parseRelation(): Expr {
    let left = this.parseAdditive();
    for (;;) {
      if (this.tok.kind === 'punct' && RELATIONS.has(this.tok.text)) {
        const t = this.advance();
        const op = t.text as BinaryOp;
        left = { kind: 'binary', op, left, right: this.parseAdditive(), pos: t.pos };
      } else if (this.tok.kind === 'ident' && this.tok.text === 'in') {
        const t = this.advance();
        left = { kind: 'binary', op: 'in', left, right: this.parseAdditive(), pos: t.pos };
      } else if (this.tok.kind === 'ident' && this.tok.text === 'is') {
        const t = this.advance();
        const typeName = this.ident('a type name').text;
        left = { kind: 'is', operand: left, typeName, pos: t.pos };
      } else {
        return left;
      }
    }
  }

  private parseAdditive(): Expr {
    let left = this.parseMultiplicative();
    while (this.is('+') || this.is('-')) {
      const t = this.advance();
      const op = t.text as BinaryOp;
      left = { kind: 'binary', op, left, right: this.parseMultiplicative(), pos: t.pos };
    }
    return left;
  }

  private parseMultiplicative(): Expr {
    let left = this.parseUnary();
    while (this.is('*') || this.is('/') || this.is('%')) {
      const t = this.advance();
      const op = t.text as BinaryOp;
      left = { kind: 'binary', op, left, right: this.parseUnary(), pos: t.pos };
    }
    return left;
  }

  private parseUnary(): Expr {
    if (this.is('!') || this.is('-')) {
      const t = this.advance();
      const operand = this.parseUnary();
      // Fold `-1` into a literal so the most negative int64 can be written.
      if (t.text === '-' && operand.kind === 'literal') {
        const v = operand.value;
        if (typeof v === 'bigint') return { kind: 'literal', value: -v, pos: t.pos };
        if (typeof v === 'number') return { kind: 'literal', value: -v, pos: t.pos };
      }
      return { kind: 'unary', op: t.text as '!' | '-', operand, pos: t.pos };
    }
    return this.parsePostfix();
  }

  private parsePostfix(): Expr {
    let e = this.parsePrimary();
    for (;;) {
      if (this.is('.')) {
        const dot = this.advance();
        const name = this.ident('a field or method name');
        this.lastEnd = name.end;
        e = { kind: 'member', object: e, name: name.text, pos: dot.pos };
      } else if (this.is('[')) {
        const open = this.advance();
        const index = this.parseExpr();
        if (this.accept(':')) {
          const to = this.parseExpr();
          this.lastEnd = this.expect(']').end;
          e = { kind: 'range', object: e, from: index, to, pos: open.pos };
        } else {
          this.lastEnd = this.expect(']').end;
          e = { kind: 'index', object: e, index, pos: open.pos };
        }
      } else if (this.is('(')) {
        const open = this.advance();
        const args = this.parseArgs(')');
        e = { kind: 'call', callee: e, args, pos: open.pos };
      } else {
        return e;
      }
    }
  }

  private parseArgs(close: string): Expr[] {
    const args: Expr[] = [];
    if (!this.is(close)) {
      do {
        if (this.is(close)) break; // trailing comma
        args.push(this.parseExpr());
      } while (this.accept(','));
    }
    this.lastEnd = this.expect(close).end;
    return args;
  }

  private parsePrimary(): Expr {
    const t = this.tok;
    const pos = t.pos;
    const done = (e: Expr): Expr => {
      this.lastEnd = t.end;
      this.advance();
      return e;
    };
    switch (t.kind) {
      case 'int':
        return done({ kind: 'literal', value: t.int ?? 0n, pos });
      case 'float':
        return done({ kind: 'literal', value: t.float ?? 0, pos });
      case 'string':
        return done({ kind: 'literal', value: t.text, pos });
      case 'ident':
        if (t.text === 'true') return done({ kind: 'literal', value: true, pos });
        if (t.text === 'false') return done({ kind: 'literal', value: false, pos });
        if (t.text === 'null') return done({ kind: 'literal', value: null, pos });
        return done({ kind: 'ident', name: t.text, pos });
      case 'punct':
        break;
      case 'eof':
        throw this.fail('expected an expression');
    }
    if (t.text === '(') {
      this.advance();
      const e = this.parseExpr();
      this.lastEnd = this.expect(')').end;
      return e;
    }
    if (t.text === '[') {
      this.advance();
      return { kind: 'list', items: this.parseArgs(']'), pos };
    }
    if (t.text === '{') {
      this.advance();
      const entries: Array<{ key: Expr; value: Expr }> = [];
      if (!this.is('}')) {
        do {
          if (this.is('}')) break;
          const key = this.parseExpr();
          this.expect(':');
          entries.push({ key, value: this.parseExpr() });
        } while (this.accept(','));
      }
      this.lastEnd = this.expect('}').end;
      return { kind: 'map', entries, pos };
    }
    if (t.text === '/') return this.parsePathLiteral(t);
    throw this.fail('expected an expression');
  }

  /** `/databases/$(database)/documents/users/$(uid)`, read from the raw source. */
  private parsePathLiteral(slash: Token): Expr {
    const s = this.lexer.source;
    const segments: PathSegment[] = [];
    let i = slash.start;
    while (s[i] === '/' && s[i + 1] !== '/' && s[i + 1] !== '*') {
      i++;
      if (s[i] === '$' && s[i + 1] === '(') {
        this.seek(i + 2);
        const expr = this.parseExpr();
        if (!this.is(')')) throw this.fail("expected ')' to close the path segment");
        i = this.tok.end;
        segments.push({ expr });
      } else {
        // Balanced parentheses are text, as in `/databases/(default)/documents`; an unbalanced
        // `)` ends the path (the call around it closes).
        const m = /^(?:[A-Za-z0-9_\-.~%@+=:!&]|\([^()/\s]*\))+/.exec(s.slice(i));
        // `:` may follow a path in a map literal; strip what cannot end a segment.
        const text = m ? m[0].replace(/[:]+$/, '') : '';
        if (!text) throw this.lexer.error(i, 'empty path segment');
        segments.push({ text });
        i += text.length;
      }
    }
    this.lastEnd = i;
    this.seek(i);
    return { kind: 'path', segments, pos: slash.pos };
  }
}

/** Parses a rules file; throws RulesSyntaxError with file, line and column. */
export function parseRules(source: string, file = 'rules'): RulesFile {
  return new Parser(new Lexer(source, file)).parseFile();
}

/** Parses one expression (used by tests and by tools that evaluate a condition alone). */
export function parseExpression(source: string, file = 'expression'): Expr {
  const lexer = new Lexer(source, file);
  const parser = new Parser(lexer);
  const e = parser.parseExpr();
  if (!parser.atEnd()) {
    throw new RulesSyntaxError(lexer.position(lexer.pos), 'unexpected text after the expression');
  }
  return e;
}
