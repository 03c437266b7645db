// What an evaluation may reach outside the expression (documents, a debug sink) and the
// per-request budget for reaching it; shared by the evaluator and the built-in functions.
import { RulesError, type RPath, type RValue } from './values';

/** What an evaluation may reach outside the expression: documents, and a debug sink. */
export interface EvalHooks {
  /** The resource at `path` (a map) or null; `after` = as the request would leave it. */
  document?(path: RPath, after: boolean): RValue;
  /** Storage rules' `firestore.get()`/`firestore.exists()`: a document of our Firestore. */
  firestoreDocument?(path: RPath): RValue;
  debug?(text: string): void;
}

/** Shared by every expression evaluated for one request: the document-access budget. */
export class RequestBudget {
  private readonly seen = new Set<string>();
  constructor(readonly maxCalls: number) {}
  /** Counts one access; the same document read twice counts once. */
  charge(key: string): void {
    if (this.seen.has(key)) return;
    if (this.seen.size >= this.maxCalls) {
      throw new RulesError(
        `Exceeded maximum of ${this.maxCalls} document access calls for this request`,
      );
    }
    this.seen.add(key);
  }
  get used(): number {
    return this.seen.size;
  }
}
