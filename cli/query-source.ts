// Where the SQL of `procureflow query` comes from: the argument, a file, or stdin.
import { readFile } from 'node:fs/promises';
import { text } from 'node:stream/consumers';

export interface SqlSource {
  /** The SQL argument, `-` for stdin. */
  argument?: string;
  /** --file: a path, `-` for stdin. */
  file?: string;
}

export interface SqlInput {
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
}

/**
 * The SQL text to run. The query command accepts unknown options as operands, so that a SQL
 * file's text starting with its `--` comment can be passed as the argument; a single-line
 * operand that starts with `-` is a mistyped flag (a `--` comment needs a line after it to
 * hold any SQL), and is refused as one.
 */
export async function readSql(source: SqlSource, input: SqlInput = { stdin: process.stdin }): Promise<{ sql: string; from: string }> {
  const { argument, file } = source;
  if (argument !== undefined && argument !== '-' && argument.startsWith('-') && !/[\r\n]/.test(argument)) {
    throw new Error(`unknown option '${argument.split(/\s/)[0]}' (to pass SQL that starts with a comment, use --file F or stdin)`);
  }
  if (argument !== undefined && file !== undefined) throw new Error('give the SQL either as the argument or with --file, not both');
  let sql: string;
  let from: string;
  if (file !== undefined && file !== '-') {
    sql = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
      throw new Error(`--file ${file}: ${error.code === 'ENOENT' ? 'no such file' : error.message}`, { cause: error });
    });
    from = file;
  } else if (argument !== undefined && argument !== '-') {
    sql = argument;
    from = 'the argument';
  } else if (argument === '-' || file === '-' || !input.stdin.isTTY) {
    sql = await text(input.stdin);
    from = 'stdin';
  } else {
    throw new Error('no SQL: give it as the argument, with --file F, or on stdin (procureflow query - < F)');
  }
  // A UTF-8 byte-order mark (editors on Windows write one) is not SQL.
  sql = sql.replace(/^\uFEFF/, '');
  if (sql.trim() === '') throw new Error(`no SQL in ${from}`);
  return { sql, from };
}
