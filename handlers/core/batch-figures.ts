// What a batch did, as recorded on its commit, logged and counted.

export interface BatchFigures {
  batchId: string;
  sourceFile: string;
  /** Data lines in the file = silver rows of the batch. */
  lines: number;
  loaded: number;
  duplicates: number;
  rejected: number;
  rejectsByReason: Record<string, number>;
  bytesIn: number;
  bytesOut: { silver: number; gold: number; rejects: number };
  seconds: number;
}

/** The contract's balance: lines = loaded + duplicates + rejects, none negative. */
export function balanceHolds(figures: Pick<BatchFigures, 'lines' | 'loaded' | 'duplicates' | 'rejected'>): boolean {
  const { lines, loaded, duplicates, rejected } = figures;
  return loaded >= 0 && duplicates >= 0 && rejected >= 0 && lines === loaded + duplicates + rejected;
}

/** Partition parameters carry the figures, so the commit and its record are one registration. */
export function figuresToParameters(figures: BatchFigures): Record<string, string> {
  return { procureflow_figures: JSON.stringify(figures) };
}

export function figuresFromParameters(parameters: Record<string, string> | undefined): BatchFigures | undefined {
  const text = parameters?.procureflow_figures;
  return text ? (JSON.parse(text) as BatchFigures) : undefined;
}
