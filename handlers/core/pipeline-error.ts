// Errors that name where they happened: file, batch, step (and the engine's own reason).

export class PipelineStepError extends Error {
  constructor(
    readonly sourceFile: string,
    readonly batchId: string,
    readonly step: string,
    cause: unknown,
  ) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super(`${sourceFile}: batch ${batchId} failed at step ${step}: ${reason}`, { cause });
    this.name = 'PipelineStepError';
  }
}
