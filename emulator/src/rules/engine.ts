// A parsed rules file that answers "may this request do this to this path?": it finds the
// `match` blocks whose whole path matches, binds their wildcards, and evaluates the `allow`
// statements for the method until one is true. Errors deny that statement only. Every
// evaluation is counted per allow statement for the coverage report.
import type { Allow, AllowMethod, MatchBlock, MatchSegment, Method, RulesFile } from './ast';
import { Evaluator, RequestBudget, Scope, type EvalHooks } from './evaluator';
import { parseRules } from './parser';
import { RPath, RulesError, type RValue } from './values';

export type ServiceName = 'cloud.firestore' | 'firebase.storage';

export interface RulesRequest {
  service: ServiceName;
  /** The resource's path segments, e.g. databases, (default), documents, users, u1. */
  path: readonly string[];
  method: Method;
  /** `request` and `resource` (and anything else the service defines). */
  variables: Record<string, RValue>;
}

export interface Decision {
  allowed: boolean;
  /** The allow statement that granted the request. */
  grantedBy?: Allow;
  /** Why each evaluated statement said no (empty when nothing matched the path). */
  denials: string[];
}

export interface AllowCounts {
  evaluations: number;
  allowed: number;
  denied: number;
  errors: number;
}

/** Firestore's limits on get()/exists() calls: 10 per single-document request, 20 otherwise. */
export const SINGLE_DOCUMENT_CALL_LIMIT = 10;
export const MULTI_DOCUMENT_CALL_LIMIT = 20;

function covers(granted: AllowMethod, method: Method): boolean {
  if (granted === method) return true;
  if (granted === 'read') return method === 'get' || method === 'list';
  if (granted === 'write') return method === 'create' || method === 'update' || method === 'delete';
  return false;
}

interface Applicable {
  allow: Allow;
  scope: Scope;
}

/** Every way `segments` can consume a prefix of `path`: bindings and what is left. */
function matchPrefix(
  segments: readonly MatchSegment[],
  path: readonly string[],
  minRest: number,
): Array<{ bindings: Map<string, RValue>; rest: readonly string[] }> {
  const out: Array<{ bindings: Map<string, RValue>; rest: readonly string[] }> = [];
  const walk = (i: number, at: number, bindings: Map<string, RValue>): void => {
    if (i === segments.length) {
      out.push({ bindings, rest: path.slice(at) });
      return;
    }
    const seg = segments[i];
    if (seg.kind === 'rest') {
      // `{name=**}` takes zero or more segments (rules_version 2), one or more in version 1.
      for (let end = path.length; end >= at + minRest; end--) {
        walk(i + 1, end, new Map(bindings).set(seg.name, new RPath(path.slice(at, end))));
      }
      return;
    }
    if (at >= path.length) return;
    if (seg.kind === 'literal') {
      if (seg.text === path[at]) walk(i + 1, at + 1, bindings);
      return;
    }
    walk(i + 1, at + 1, new Map(bindings).set(seg.name, path[at]));
  };
  walk(0, 0, new Map());
  return out;
}

export class Ruleset {
  private readonly counts = new Map<Allow, AllowCounts>();

  constructor(readonly file: RulesFile) {
    for (const s of file.services) for (const m of s.matches) this.registerAllows(m);
  }

  /** Parses rules source; throws RulesSyntaxError (file:line:column) on bad syntax. */
  static parse(source: string, fileName = 'rules'): Ruleset {
    return new Ruleset(parseRules(source, fileName));
  }

  private registerAllows(block: MatchBlock): void {
    for (const a of block.allows) {
      this.counts.set(a, { evaluations: 0, allowed: 0, denied: 0, errors: 0 });
    }
    for (const m of block.matches) this.registerAllows(m);
  }

  /** Evaluation counts of every allow statement, in source order. */
  coverage(): Array<{ allow: Allow; counts: AllowCounts }> {
    return [...this.counts]
      .map(([allow, counts]) => ({ allow, counts: { ...counts } }))
      .sort(
        (a, b) => a.allow.pos.line - b.allow.pos.line || a.allow.pos.column - b.allow.pos.column,
      );
  }

  resetCoverage(): void {
    for (const c of this.counts.values())
      Object.assign(c, { evaluations: 0, allowed: 0, denied: 0, errors: 0 });
  }

  /** The allow statements that apply to a request, each with its scope. */
  private applicable(req: RulesRequest, root: Scope): Applicable[] {
    const found: Applicable[] = [];
    const minRest = this.file.version === '2' ? 0 : 1;
    const visit = (block: MatchBlock, path: readonly string[], parent: Scope): void => {
      for (const { bindings, rest } of matchPrefix(block.segments, path, minRest)) {
        const scope = new Scope(parent);
        for (const [k, v] of bindings) scope.set(k, v);
        for (const f of block.functions) scope.define(f);
        if (rest.length === 0) {
          for (const allow of block.allows) {
            if (allow.methods.some((m) => covers(m, req.method))) found.push({ allow, scope });
          }
        }
        for (const child of block.matches) visit(child, rest, scope);
      }
    };
    for (const service of this.file.services) {
      if (service.name !== req.service) continue;
      const scope = new Scope(root);
      for (const f of service.functions) scope.define(f);
      for (const m of service.matches) visit(m, req.path, scope);
    }
    // Source order, so denial messages and short-circuiting are predictable.
    return found.sort((a, b) => a.allow.pos.line - b.allow.pos.line);
  }

  /**
   * Decides one request. `budget` is shared by every request of one batch or transaction, so
   * the get()/exists() limit holds across them.
   */
  evaluate(req: RulesRequest, hooks: EvalHooks, budget: RequestBudget): Decision {
    const root = new Scope();
    for (const [k, v] of Object.entries(req.variables)) root.set(k, v);
    for (const f of this.file.functions) root.define(f);
    const evaluator = new Evaluator(hooks, budget);
    const denials: string[] = [];
    for (const { allow, scope } of this.applicable(req, root)) {
      const counts = this.counts.get(allow);
      if (counts) counts.evaluations++;
      const where = `@ L${allow.pos.line}`;
      try {
        if (!allow.condition || evaluator.condition(allow.condition, scope)) {
          if (counts) counts.allowed++;
          return { allowed: true, grantedBy: allow, denials };
        }
        if (counts) counts.denied++;
        denials.push(`false for '${req.method}' ${where}: \`${allow.conditionText}\``);
      } catch (err) {
        if (!(err instanceof RulesError)) throw err;
        if (counts) counts.errors++;
        const at = err.at ? ` (at L${err.at.line}:${err.at.column})` : '';
        denials.push(
          `${err.message}${at} for '${req.method}' ${where}: \`${allow.conditionText}\``,
        );
      }
    }
    return { allowed: false, denials };
  }
}

/** The PERMISSION_DENIED text for a refused request, naming the rules lines that said no. */
export function denialMessage(decision: Decision, file: string): string {
  const why =
    decision.denials.length > 0
      ? decision.denials.join('; ')
      : 'no allow statement in the rules matches this path and method';
  return `Missing or insufficient permissions (${file}): ${why}`;
}

export { RequestBudget };
