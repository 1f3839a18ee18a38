// Powertools for AWS Lambda behind the core's PipelineLog, and the batch figures as metrics.
import type { Logger } from '@aws-lambda-powertools/logger';
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { LandingResult } from '../core/handle-landings.ts';
import type { LogFields, PipelineLog } from '../core/pipeline-log.ts';
import { LANDINGS_REFUSED_METRIC } from './cleaner-environment.ts';

/** The core's log port on a Powertools Logger: one structured JSON line per call. */
export function powertoolsLog(logger: Logger): PipelineLog {
  return {
    info: (message: string, fields: LogFields = {}) => logger.info(message, fields),
    warn: (message: string, fields: LogFields = {}) => logger.warn(message, fields),
    error: (message: string, fields: LogFields = {}) => logger.error(message, fields),
  };
}

/** Counts what one landing did; stored metrics are published once, at the end of the invocation. */
export function countLandingResult(metrics: Metrics, result: LandingResult): void {
  switch (result.status) {
    case 'committed': {
      metrics.addMetric('batchesCommitted', MetricUnit.Count, 1);
      const figures = result.figures;
      if (!figures) break;
      metrics.addMetric('lines', MetricUnit.Count, figures.lines);
      metrics.addMetric('loaded', MetricUnit.Count, figures.loaded);
      metrics.addMetric('duplicates', MetricUnit.Count, figures.duplicates);
      metrics.addMetric('rejected', MetricUnit.Count, figures.rejected);
      metrics.addMetric('bytesIn', MetricUnit.Bytes, figures.bytesIn);
      break;
    }
    case 'already_committed':
      metrics.addMetric('batchesSkipped', MetricUnit.Count, 1);
      break;
    case 'unpacked':
      metrics.addMetric('zipMembersLanded', MetricUnit.Count, result.members.length);
      if (result.refused.length > 0) {
        metrics.addMetric('zipEntriesRefused', MetricUnit.Count, result.refused.length);
        metrics.addMetric(LANDINGS_REFUSED_METRIC, MetricUnit.Count, result.refused.length);
      }
      break;
    case 'refused':
      // The stack's alarm watches this name (components/): refusals are never retried, so they are counted.
      metrics.addMetric(LANDINGS_REFUSED_METRIC, MetricUnit.Count, 1);
      break;
    case 'ignored':
      metrics.addMetric('landingsIgnored', MetricUnit.Count, 1);
      break;
    case 'failed':
      metrics.addMetric('batchesFailed', MetricUnit.Count, 1);
      break;
  }
}

/**
 * A landing the turn keeper skips because its silver failed on the last receive (split mode): it
 * is given up for good like a refusal, so it is counted under the name the stack's alarm watches,
 * and under its own name to tell the two apart on the dashboard.
 */
export function countSilverFailed(metrics: Metrics): void {
  metrics.addMetric('landingsSilverFailed', MetricUnit.Count, 1);
  metrics.addMetric(LANDINGS_REFUSED_METRIC, MetricUnit.Count, 1);
}
