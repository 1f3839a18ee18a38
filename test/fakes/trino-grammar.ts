// Trino's grammar in the suite: dt-sql-parser's TrinoSQL (an ANTLR build of Trino's SqlBase.g4)
// parses every statement the fake Athena receives. It loads under the suite's tsx loader; plain
// `node` ESM refuses its directory imports (`export * from './parser'`), so it stays a test-only
// dependency.
import { TrinoSQL } from 'dt-sql-parser';
import { TRINO_FUNCTIONS } from './trino-functions.ts';

const parser = new TrinoSQL();

export interface SyntaxProblem {
  line: number;
  column: number;
  message: string;
}

export interface ParsedStatement {
  /** Lower-case names of every function called, special forms (trim, substring, position) included. */
  functions: Array<{ name: string; line: number; column: number }>;
}

interface Node {
  constructor: { name: string };
  children?: Node[] | null;
  start?: { line: number; column: number } | null;
  functionName?: () => { getText(): string };
}

const SPECIAL_FORMS: Record<string, string> = { TrimContext: 'trim', SubstringContext: 'substring', PositionContext: 'position' };

/** Syntax errors as Trino reports them ("line L:C: ..."), empty when the statement parses. */
export function syntaxProblems(sql: string): SyntaxProblem[] {
  return parser.validate(sql).map((error) => ({ line: error.startLine, column: error.startColumn, message: error.message }));
}

/** Parses a statement (it must be valid) and lists the functions it calls. */
export function parseStatement(sql: string): ParsedStatement {
  const problems = syntaxProblems(sql);
  if (problems.length > 0) throw new Error(`not valid Trino SQL: ${formatProblem(problems[0] as SyntaxProblem)}`);
  const tree = parser.parse(sql) as unknown as Node;
  const functions: ParsedStatement['functions'] = [];
  const walk = (node: Node) => {
    const kind = node.constructor.name;
    const where = { line: node.start?.line ?? 0, column: (node.start?.column ?? 0) + 1 };
    if (kind === 'FunctionCallContext' && node.functionName) {
      functions.push({ name: node.functionName().getText().toLowerCase(), ...where });
    } else if (SPECIAL_FORMS[kind]) {
      functions.push({ name: SPECIAL_FORMS[kind] as string, ...where });
    }
    for (const child of node.children ?? []) walk(child);
  };
  walk(tree);
  return { functions };
}

/** The functions a statement calls that are not on the checked list of Trino functions. */
export function unknownFunctions(parsed: ParsedStatement): ParsedStatement['functions'] {
  return parsed.functions.filter((call) => !TRINO_FUNCTIONS.has(call.name));
}

export function formatProblem(problem: SyntaxProblem): string {
  return `line ${problem.line}:${problem.column}: ${problem.message}`;
}
