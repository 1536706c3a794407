/**
 * Reads the commands out of lab READMEs: fenced code blocks, shell-like tokenizing, and the mapping of
 * `npx meshtrace …`, `node bin/meshtrace.mjs …` and `npm run <script> -- …` onto meshtrace argv.
 *
 * Conventions the labs follow (and this reader enforces): commands live in ```sh / ```bash blocks
 * (every line is a command) or ```console blocks (only `$ ` lines are commands, the rest is output);
 * output lives in ```text (or any other language), which is never read as commands.
 */
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

export interface CodeBlock {
  readonly file: string;
  readonly line: number;
  readonly lang: string;
  readonly body: string;
}

export interface LabCommand {
  /** README path relative to the repo and line of the block. */
  readonly where: string;
  /** The command as written (continuations joined). */
  readonly text: string;
  readonly tokens: readonly string[];
}

export const COMMAND_LANGS = new Set(['sh', 'bash', 'shell', 'console', 'shell-session']);

/** Every README.md under `root`, sorted. */
export function labReadmes(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (name === 'README.md') out.push(path);
    }
  };
  walk(root);
  return out;
}

/** Fenced code blocks (``` or ~~~), with their language and first line number. */
export function codeBlocks(file: string, text: string): CodeBlock[] {
  const blocks: CodeBlock[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)(`{3,}|~{3,})\s*([\w-]*)/.exec(lines[i]!);
    if (!open) continue;
    const fence = open[2]!;
    const body: string[] = [];
    let j = i + 1;
    while (j < lines.length && !lines[j]!.trimStart().startsWith(fence)) body.push(lines[j++]!);
    if (j >= lines.length) throw new Error(`${file}:${i + 1}: code block is never closed`);
    blocks.push({ file, line: i + 1, lang: open[3]!.toLowerCase(), body: body.join('\n') });
    i = j;
  }
  return blocks;
}

/** Shell-like words: quotes removed, `$VAR` and `$(…)` kept as written, comments dropped. */
export function shellWords(line: string): string[] {
  const words: string[] = [];
  let cur = '';
  let has = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (c === "'") {
      const end = line.indexOf("'", i + 1);
      if (end < 0) throw new Error(`unclosed ' in: ${line}`);
      cur += line.slice(i + 1, end);
      has = true;
      i = end;
    } else if (c === '"') {
      let j = i + 1;
      while (j < line.length && line[j] !== '"') j += line[j] === '\\' ? 2 : 1;
      if (j >= line.length) throw new Error(`unclosed " in: ${line}`);
      cur += line.slice(i + 1, j).replace(/\\(["\\$`])/g, '$1');
      has = true;
      i = j;
    } else if (c === '$' && line[i + 1] === '(') {
      let depth = 0;
      let j = i + 1;
      for (; j < line.length; j++) {
        if (line[j] === '(') depth++;
        else if (line[j] === ')' && --depth === 0) break;
      }
      cur += line.slice(i, j + 1);
      has = true;
      i = j;
    } else if (c === '#' && !has) {
      break;
    } else if (/\s/.test(c)) {
      if (has) words.push(cur);
      cur = '';
      has = false;
    } else {
      cur += c;
      has = true;
    }
  }
  if (has) words.push(cur);
  return words;
}

/** Splits a command line at `&&`, `||`, `;`, `|` and a trailing `&` (outside quotes). */
export function splitPipeline(line: string): string[] {
  const parts: string[] = [];
  let cur = '';
  let quote: string | undefined;
  let paren = 0;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote) {
      if (c === quote) quote = undefined;
      cur += c;
      continue;
    }
    if (c === "'" || c === '"') quote = c;
    if (c === '(') paren++;
    if (c === ')') paren--;
    if (paren === 0 && (c === ';' || c === '|' || c === '&')) {
      if (line[i + 1] === c) i++;
      parts.push(cur);
      cur = '';
      continue;
    }
    cur += c;
  }
  parts.push(cur);
  return parts.map((p) => p.trim()).filter(Boolean);
}

/** The commands of one block: `$ ` lines in console blocks, every line in sh/bash; `\` continuations joined. */
export function blockCommands(block: CodeBlock, repoRoot: string): LabCommand[] {
  if (!COMMAND_LANGS.has(block.lang)) return [];
  const prompt = block.lang === 'console' || block.lang === 'shell-session';
  const out: LabCommand[] = [];
  const lines = block.body.split('\n');
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i]!;
    if (prompt) {
      if (!line.startsWith('$ ')) continue;
      line = line.slice(2);
    }
    while (line.endsWith('\\') && i + 1 < lines.length) line = `${line.slice(0, -1)} ${lines[++i]!.replace(/^\$ /, '').trim()}`;
    if (!line.trim() || line.trim().startsWith('#')) continue;
    for (const part of splitPipeline(line)) {
      out.push({ where: `${relative(repoRoot, block.file)}:${block.line}`, text: part, tokens: shellWords(part) });
    }
  }
  return out;
}

/** Drops leading `VAR=value` assignments. */
function withoutAssignments(tokens: readonly string[]): string[] {
  let i = 0;
  while (i < tokens.length && /^[A-Za-z_][A-Za-z0-9_]*=/.test(tokens[i]!)) i++;
  return tokens.slice(i);
}

/**
 * meshtrace argv for a kit command, `undefined` for anything else (kubectl, curl, …).
 * `npm run X -- a b` becomes the script's own meshtrace arguments followed by `a b`.
 */
export function meshtraceArgv(
  tokens: readonly string[],
  scripts: Readonly<Record<string, string>>,
): { argv: string[]; script?: string } | { error: string } | undefined {
  const t = withoutAssignments(tokens);
  if (t[0] === 'npx' && t[1] === 'meshtrace') return { argv: t.slice(2) };
  if (t[0] === 'meshtrace') return { argv: t.slice(1) };
  if (t[0] === 'node' && t[1] === 'bin/meshtrace.mjs') return { argv: t.slice(2) };
  if (t[0] === 'npm' && (t[1] === 'run' || t[1] === 'run-script')) {
    const name = t[2];
    if (name === undefined) return { error: 'npm run without a script name' };
    const script = scripts[name];
    if (script === undefined)
      return { error: `npm run ${name}: no such script in package.json (scripts: ${Object.keys(scripts).join(', ')})` };
    const extra = t[3] === '--' ? t.slice(4) : t.slice(3);
    if (t[3] !== undefined && t[3] !== '--') return { error: `npm run ${name} ${t[3]}: arguments for the script must follow "--"` };
    const own = shellWords(script);
    if (own[0] === 'node' && own[1] === 'bin/meshtrace.mjs') return { argv: [...own.slice(2), ...extra], script: name };
    return { argv: [], script: name };
  }
  if (t[0] === 'npm' && (t[1] === 'ci' || t[1] === 'install' || t[1] === 'test')) return undefined;
  return undefined;
}
