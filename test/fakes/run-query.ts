// Test helper: runs one statement through a real AthenaClient against the fake and polls it to
// its end, recording the states seen. Not an engine: the project's AthenaEngine is tested with
// the fake elsewhere.
import { type AthenaClient, GetQueryExecutionCommand, GetQueryResultsCommand, StartQueryExecutionCommand } from '@aws-sdk/client-athena';
import { randomUUID } from 'node:crypto';

export interface RunOutcome {
  id: string;
  states: string[];
  state: string;
  reason?: string;
  errorCategory?: number;
  rows: Array<Array<string | undefined>>;
  updateCount?: number;
}

export async function runQuery(athena: AthenaClient, sql: string, options: { database?: string; workGroup?: string; token?: string } = {}): Promise<RunOutcome> {
  const started = await athena.send(
    new StartQueryExecutionCommand({
      QueryString: sql,
      ClientRequestToken: options.token ?? randomUUID(),
      QueryExecutionContext: { Database: options.database ?? 'db' },
      WorkGroup: options.workGroup ?? 'primary',
    }),
  );
  const id = started.QueryExecutionId ?? '';
  const states: string[] = [];
  for (;;) {
    const out = await athena.send(new GetQueryExecutionCommand({ QueryExecutionId: id }));
    const status = out.QueryExecution?.Status;
    const state = status?.State ?? 'UNKNOWN';
    if (states.at(-1) !== state) states.push(state);
    if (state === 'SUCCEEDED' || state === 'FAILED' || state === 'CANCELLED') {
      if (state !== 'SUCCEEDED') {
        return { id, states, state, reason: status?.StateChangeReason, errorCategory: status?.AthenaError?.ErrorCategory, rows: [] };
      }
      break;
    }
  }
  const rows: Array<Array<string | undefined>> = [];
  let token: string | undefined;
  let updateCount: number | undefined;
  do {
    const page = await athena.send(new GetQueryResultsCommand({ QueryExecutionId: id, NextToken: token, MaxResults: 1000 }));
    for (const row of page.ResultSet?.Rows ?? []) rows.push((row.Data ?? []).map((cell) => cell.VarCharValue));
    updateCount = page.UpdateCount;
    token = page.NextToken;
  } while (token);
  return { id, states, state: 'SUCCEEDED', rows, ...(updateCount !== undefined ? { updateCount } : {}) };
}
