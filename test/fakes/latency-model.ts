// The latency model of the cloud throughput bench (bench/cloud.ts, README "Performance"): what one
// call to AWS costs in virtual time. It is a planning model, not a measurement: Athena's own
// figures vary by Region, load and data. Stated once here; the bench prints it.
//
// - Athena: every statement costs a fixed 1.5 s (queueing, planning, commit), plus the bytes it
//   scans at 250 MB/s and the bytes it writes at 100 MB/s (one statement's own rates, however many
//   run at once). The calls StartQueryExecution / GetQueryExecution / GetQueryResults cost nothing
//   beyond that. At most `activeDmlQuota` DML statements are queued or running at once; one more
//   is refused with TooManyRequestsException (the fake's rule (d), docs/aws-behaviour.md) and the
//   engine's own throttling backoff (handlers/aws/backoff.ts) waits, in virtual time, to retry.
// - Glue: 60 ms per call. S3: 30 ms per request. Lambda's own work between calls: none.
// MB = 10^6 bytes, GB = 10^9 bytes, TB = 10^12 bytes.

export interface LatencyModel {
  athenaFixedMs: number;
  scanBytesPerSecond: number;
  writeBytesPerSecond: number;
  activeDmlQuota: number;
  glueCallMs: number;
  s3RequestMs: number;
}

export const MB = 1_000_000;
export const GB = 1_000_000_000;
export const TB = 1_000_000_000_000;

export const DEFAULT_LATENCY: LatencyModel = {
  athenaFixedMs: 1_500,
  scanBytesPerSecond: 250 * MB,
  writeBytesPerSecond: 100 * MB,
  activeDmlQuota: 20,
  glueCallMs: 60,
  s3RequestMs: 30,
};

/** How long one Athena statement runs: fixed cost + scan time + write time, in milliseconds. */
export function statementMs(model: LatencyModel, scannedBytes: number, writtenBytes: number): number {
  return model.athenaFixedMs + (1000 * scannedBytes) / model.scanBytesPerSecond + (1000 * writtenBytes) / model.writeBytesPerSecond;
}

/** The model in one line, as the bench prints it. */
export function describeLatency(model: LatencyModel): string {
  return (
    `Athena ${model.athenaFixedMs / 1000} s fixed per query + scanned at ${model.scanBytesPerSecond / MB} MB/s + written at ` +
    `${model.writeBytesPerSecond / MB} MB/s; DML quota ${model.activeDmlQuota} queued+running (TooManyRequestsException past it); ` +
    `Glue ${model.glueCallMs} ms per call; S3 ${model.s3RequestMs} ms per request; Lambda overhead 0`
  );
}
