// Every regular expression in a tree of TypeScript sources, found by parsing them with the
// TypeScript compiler (not by grepping, which misreads a `/` in a division or a comment):
// regex literals, and `new RegExp(...)` / `RegExp(...)` calls. A RegExp built from anything but
// string literals cannot be checked ahead of time; it is returned with `dynamic: true`.
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import ts from 'typescript';

export interface FoundRegex {
  /** `file:line`, relative to the scanned folder. */
  where: string;
  source: string;
  flags: string;
  dynamic: boolean;
}

function literalText(node: ts.Expression | undefined): string | undefined {
  if (node === undefined) return '';
  if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) return node.text;
  return undefined;
}

/** The regular expressions of one source text. */
export function regexesIn(fileName: string, text: string): FoundRegex[] {
  const file = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true);
  const found: FoundRegex[] = [];
  const where = (node: ts.Node) =>
    `${fileName}:${file.getLineAndCharacterOfPosition(node.getStart(file)).line + 1}`;
  const visit = (node: ts.Node): void => {
    if (node.kind === ts.SyntaxKind.RegularExpressionLiteral) {
      const literal = node.getText(file);
      const end = literal.lastIndexOf('/');
      found.push({
        where: where(node),
        source: literal.slice(1, end),
        flags: literal.slice(end + 1),
        dynamic: false,
      });
    } else if (
      (ts.isNewExpression(node) || ts.isCallExpression(node)) &&
      ts.isIdentifier(node.expression) &&
      node.expression.text === 'RegExp'
    ) {
      const [patternArg, flagsArg] = node.arguments ?? [];
      const source = literalText(patternArg);
      const flags = literalText(flagsArg);
      found.push({
        where: where(node),
        source: source ?? node.getText(file),
        flags: flags ?? '',
        dynamic: patternArg === undefined || source === undefined || flags === undefined,
      });
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return found;
}

/** The regular expressions of every .ts file under `root`. */
export function regexesUnder(root: string): FoundRegex[] {
  const files = readdirSync(root, { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith('.ts') && !name.endsWith('.d.ts'))
    .sort();
  return files.flatMap((name) =>
    regexesIn(name.split(path.sep).join('/'), readFileSync(path.join(root, name), 'utf8')),
  );
}
