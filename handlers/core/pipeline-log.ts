// Structured logging port: the Lambda hands in Powertools, the CLI a JSON-lines writer.

export type LogFields = Record<string, unknown>;

export interface PipelineLog {
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

/** Writes one JSON object per line; used by the local run and by tests. */
export function jsonLinesLog(write: (line: string) => void): PipelineLog {
  const emit = (level: string) => (message: string, fields: LogFields = {}) =>
    write(`${JSON.stringify({ time: new Date().toISOString(), level, message, ...fields })}\n`);
  return { info: emit('INFO'), warn: emit('WARN'), error: emit('ERROR') };
}

export const silentLog: PipelineLog = { info: () => {}, warn: () => {}, error: () => {} };
