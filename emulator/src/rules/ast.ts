// The syntax tree of a rules file (rules_version '2'), as the parser builds it. Every node knows
// where it came from, so errors and denials can name file, line and column.

export interface Position {
  file: string;
  line: number;
  column: number;
}

export type Expr =
  | { kind: 'literal'; value: LiteralValue; pos: Position }
  | { kind: 'ident'; name: string; pos: Position }
  | { kind: 'member'; object: Expr; name: string; pos: Position }
  | { kind: 'index'; object: Expr; index: Expr; pos: Position }
  | { kind: 'range'; object: Expr; from: Expr; to: Expr; pos: Position }
  | { kind: 'call'; callee: Expr; args: Expr[]; pos: Position }
  | { kind: 'unary'; op: '!' | '-'; operand: Expr; pos: Position }
  | { kind: 'binary'; op: BinaryOp; left: Expr; right: Expr; pos: Position }
  | { kind: 'is'; operand: Expr; typeName: string; pos: Position }
  | { kind: 'ternary'; test: Expr; then: Expr; otherwise: Expr; pos: Position }
  | { kind: 'list'; items: Expr[]; pos: Position }
  | { kind: 'map'; entries: Array<{ key: Expr; value: Expr }>; pos: Position }
  | { kind: 'path'; segments: PathSegment[]; pos: Position };

/** A literal as written: ints are bigint, floats number (so `1` and `1.0` stay distinct). */
export type LiteralValue = null | boolean | bigint | number | string;

/** One segment of a path literal: plain text, or `$(expr)` interpolation. */
export type PathSegment = { text: string } | { expr: Expr };

export type BinaryOp =
  '||' | '&&' | '==' | '!=' | '<' | '<=' | '>' | '>=' | 'in' | '+' | '-' | '*' | '/' | '%';

/** A segment of a `match` path: a literal, `{name}`, or `{name=**}` (the rest of the path). */
export type MatchSegment =
  | { kind: 'literal'; text: string }
  | { kind: 'single'; name: string }
  | { kind: 'rest'; name: string };

export type Method = 'get' | 'list' | 'create' | 'update' | 'delete';
export type AllowMethod = Method | 'read' | 'write';

export interface Allow {
  methods: AllowMethod[];
  /** Absent for `allow read;` (always allowed). */
  condition?: Expr;
  /** The condition's source text, for denial messages and the coverage report. */
  conditionText: string;
  pos: Position;
}

export interface FunctionDecl {
  name: string;
  params: string[];
  lets: Array<{ name: string; value: Expr }>;
  body: Expr;
  pos: Position;
}

export interface MatchBlock {
  segments: MatchSegment[];
  pathText: string;
  allows: Allow[];
  functions: FunctionDecl[];
  matches: MatchBlock[];
  pos: Position;
}

export interface ServiceBlock {
  /** e.g. `cloud.firestore`, `firebase.storage`. */
  name: string;
  functions: FunctionDecl[];
  matches: MatchBlock[];
  pos: Position;
}

export interface RulesFile {
  file: string;
  source: string;
  version: '1' | '2';
  functions: FunctionDecl[];
  services: ServiceBlock[];
}
