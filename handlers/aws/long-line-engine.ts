// The query engine the cloud core gets: the Athena engine, plus one repair when a silver CTAS
// fails on a line over Athena's limit (TextLineLengthLimitExceededException, "Too many bytes
// before newline": Athena docs, "Considerations and limitations for SQL queries", max line length
// in a text file 200 MB). Without it such a file fails every retry and dead-letters; with it the
// file's other lines load and the long line is one `malformed` reject, as locally (issue 7 item 8).
//
// The repair streams the landed object once into a cut copy (GlueCatalog.repairLongLines) and
// reports the failed output as stale (StaleQueryError): the core's materializeFresh resets it and
// runs the statement again under the next generation, hence a new ClientRequestToken (the old one
// would only return the same FAILED query, Athena's idempotency). This wrapper resets nothing.
// One repair per batch and engine (one invocation): a second failure of the repaired file is real.
import { StaleQueryError } from '../core/fresh-output.ts';
import type { PipelineLog } from '../core/pipeline-log.ts';
import type { QueryEngine, StepContext } from '../core/ports.ts';
import { AthenaQueryError } from './athena-engine.ts';
import type { GlueCatalog } from './glue-catalog.ts';

/** The step that reads the landed file. */
const LANDED_READING_STEP = 'silver';

/** Whether Athena's reason is the text-line length limit. */
export function isLineTooLong(reason: string): boolean {
  return reason.includes('TextLineLengthLimitExceededException') || reason.includes('Too many bytes before newline');
}

export class LongLineRepairEngine implements QueryEngine {
  private readonly repaired = new Set<string>();

  constructor(
    private readonly inner: QueryEngine,
    private readonly catalog: Pick<GlueCatalog, 'repairLongLines'>,
    private readonly log: PipelineLog,
  ) {}

  async materialize(tableName: string, select: string, location: string, context: StepContext): Promise<void> {
    try {
      await this.inner.materialize(tableName, select, location, context);
    } catch (error) {
      if (!(error instanceof AthenaQueryError) || context.step !== LANDED_READING_STEP || !isLineTooLong(error.reason)) throw error;
      if (this.repaired.has(context.batchId)) throw error;
      this.repaired.add(context.batchId);
      const { copy, cutLines } = await this.catalog.repairLongLines(context.batchId);
      this.log.warn('a line over Athena’s limit: the landed file was copied with long lines cut and marked', {
        batchId: context.batchId,
        step: context.step,
        queryExecutionId: error.queryExecutionId,
        copy: `s3://${copy.bucket}/${copy.key}`,
        cutLines,
      });
      throw new StaleQueryError(context.step, error.queryExecutionId, 'failed on a line over Athena’s limit, and the landed file was repaired since');
    }
  }

  /** Gold reads silver, never the landed file: nothing to repair. */
  materializePartitioned(tableName: string, select: string, location: string, context: StepContext): Promise<void> {
    return this.inner.materializePartitioned(tableName, select, location, context);
  }

  query(select: string, context: StepContext): Promise<Record<string, unknown>[]> {
    return this.inner.query(select, context);
  }
}
