/**
 * No function in src/ is longer than MAX_LINES unless the comment right above it says why
 * (`// long-function: <reason>`). Long functions that do every step inline are where changes go
 * wrong; the ones that stay long (a byte-level state machine, a declarative option list) say so.
 * Every function-like node with a body counts: declarations, methods, arrows, function expressions.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import ts from 'typescript';
import { REPO_ROOT } from '../../src/paths';

const MAX_LINES = 80;
const MARKER = /long-function:\s*\S/;

/**
 * Functions exempted for a while (`file#name`), e.g. in files another change owns at the moment: empty
 * now. They are checked again as soon as the entry goes: delete it together with splitting or annotating.
 */
const NOT_YET: ReadonlySet<string> = new Set<string>([]);

interface LongFunction {
  readonly file: string;
  readonly name: string;
  /** 1-based line of the function's first token. */
  readonly line: number;
  readonly lines: number;
}

function listSources(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((entry) => {
      const full = join(dir, entry);
      if (statSync(full).isDirectory()) return listSources(full);
      return entry.endsWith('.ts') && !entry.endsWith('.d.ts') ? [full] : [];
    });
}

function nameOf(node: ts.FunctionLikeDeclaration, sf: ts.SourceFile): string {
  if (node.name) return node.name.getText(sf);
  const parent = node.parent;
  if ((ts.isVariableDeclaration(parent) || ts.isPropertyAssignment(parent) || ts.isPropertyDeclaration(parent)) && parent.name)
    return parent.name.getText(sf);
  return '<anonymous>';
}

/** The comment lines directly above `line` (0-based), nearest first; stops at the first code or blank line. */
function commentBlockAbove(lines: readonly string[], line: number): string[] {
  const out: string[] = [];
  for (let at = line - 1; at >= 0; at--) {
    const text = lines[at]!.trim();
    if (!/^(\/\/|\/\*|\*)/.test(text)) break;
    out.push(text);
  }
  return out;
}

/** Functions longer than `max` lines in one source text, and whether the comment above says why. */
function longFunctions(file: string, text: string, max = MAX_LINES): (LongFunction & { readonly explained: boolean })[] {
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const lines = text.split('\n');
  const out: (LongFunction & { explained: boolean })[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body !== undefined) {
      const fn = node as ts.FunctionLikeDeclaration;
      const start = sf.getLineAndCharacterOfPosition(fn.getStart(sf)).line;
      const length = sf.getLineAndCharacterOfPosition(fn.getEnd()).line - start + 1;
      if (length > max) {
        const explained = commentBlockAbove(lines, start).some((comment) => MARKER.test(comment));
        out.push({ file, name: nameOf(fn, sf), line: start + 1, lines: length, explained });
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return out;
}

const describeLong = (f: LongFunction): string =>
  `${f.file}:${f.line} ${f.name} is ${f.lines} lines (over ${MAX_LINES}): split it, or say why above it (// long-function: …)`;

describe('function length in src/', () => {
  const all = listSources(join(REPO_ROOT, 'src')).flatMap((full) =>
    longFunctions(relative(REPO_ROOT, full).split(sep).join('/'), readFileSync(full, 'utf8')),
  );

  test('no function over 80 lines without a comment that says why', () => {
    const unexplained = all.filter((f) => !f.explained && !NOT_YET.has(`${f.file}#${f.name}`));
    expect(unexplained.map(describeLong)).toEqual([]);
  });

  test('the checker reads the sources (a known long, explained function is found)', () => {
    expect(all.some((f) => f.explained)).toBe(true);
  });
});

describe('the checker itself (negative controls on synthetic sources)', () => {
  const body = (n: number): string => Array.from({ length: n }, (_, i) => `  const v${i} = ${i};`).join('\n');

  test('an 81-line function is reported with its name, line and length; an 80-line one is not', () => {
    const text = `const a = 1;\nexport function big() {\n${body(79)}\n}\nfunction fits() {\n${body(78)}\n}\n`;
    expect(longFunctions('src/x.ts', text).map((f) => [f.name, f.line, f.lines, f.explained])).toEqual([['big', 2, 81, false]]);
  });

  test('arrows and methods count; the comment above (within its JSDoc block) explains', () => {
    const text = `/**\n * Parser.\n * long-function: one state machine\n */\nconst scan = (x: number) => {\n${body(80)}\n};\nclass C {\n  m() {\n${body(80)}\n  }\n}\n`;
    expect(longFunctions('src/x.ts', text).map((f) => [f.name, f.explained])).toEqual([
      ['scan', true],
      ['m', false],
    ]);
  });

  test('a marker without a reason, or separated by a blank line, does not explain', () => {
    const text = `// long-function:\nfunction a() {\n${body(80)}\n}\n// long-function: reason\n\nfunction b() {\n${body(80)}\n}\n`;
    expect(longFunctions('src/x.ts', text).map((f) => f.explained)).toEqual([false, false]);
  });
});
