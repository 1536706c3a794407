/**
 * The relay runs the core on every request: the hot-path files compile no regex and create no
 * closure inside their functions (module-level tables built once are fine). A static check on
 * the TypeScript AST, so the rule survives future edits.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { REPO_ROOT } from '../../src/paths';

const HOT_PATH = [
  'composite.ts',
  'w3c-traceparent.ts',
  'w3c-tracestate.ts',
  'w3c-baggage.ts',
  'b3.ts',
  'jaeger.ts',
  'hex.ts',
  'text.ts',
  'passthrough.ts',
];

/** Every regex or closure found inside a function body, as `file:line kind`. */
function findings(file: string): string[] {
  const path = join(REPO_ROOT, 'src', 'propagation', file);
  const source = ts.createSourceFile(path, readFileSync(path, 'utf8'), ts.ScriptTarget.ES2022, true);
  const out: string[] = [];
  const where = (n: ts.Node) => `${file}:${source.getLineAndCharacterOfPosition(n.getStart()).line + 1}`;
  const visit = (node: ts.Node, inFunction: boolean): void => {
    if (inFunction) {
      if (ts.isArrowFunction(node) || ts.isFunctionExpression(node)) out.push(`${where(node)} closure`);
      if (node.kind === ts.SyntaxKind.RegularExpressionLiteral) out.push(`${where(node)} regex literal`);
      if (ts.isNewExpression(node) && node.expression.getText(source) === 'RegExp') out.push(`${where(node)} new RegExp`);
    }
    const entersFunction = ts.isFunctionDeclaration(node) || ts.isMethodDeclaration(node);
    ts.forEachChild(node, (child) => visit(child, inFunction || entersFunction));
  };
  visit(source, false);
  return out;
}

test.each(HOT_PATH)('%s: no regex and no closure inside functions', (file) => {
  expect(findings(file)).toEqual([]);
});

test('the check finds what it looks for (explain.ts uses a regex off the hot path)', () => {
  expect(findings('explain.ts').some((f) => f.includes('regex literal'))).toBe(true);
});
