// The cleaner's alarm topic, its optional e-mail subscription and its alarms: four, plus three for
// the silver workers (their dead-letter queue, their errors and throttles) when the stack has them. They are
// children of the Cleaner component with the names they always had (`${name}-...`), so moving
// their code here leaves every URN as it was.
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { LANDINGS_REFUSED_METRIC } from '../handlers/aws/cleaner-environment.ts';
import { METRICS_NAMESPACE, SERVICE_NAME } from './cleaner-environment.ts';

/** The count of landings the cleaner refused (too large, unreadable name, ...), in METRICS_NAMESPACE. */
export { LANDINGS_REFUSED_METRIC };
/** Powertools Metrics adds the service name as the `service` dimension of every metric. */
const METRICS_SERVICE_DIMENSION = 'service';

/** The part every cleaner alarm shares: fire on a single occurrence in five minutes, tell the topic. */
function alertOnAnyOccurrence(topicArn: pulumi.Input<string>) {
  return {
    period: 300,
    evaluationPeriods: 1,
    threshold: 0,
    comparisonOperator: 'GreaterThanThreshold',
    treatMissingData: 'notBreaching',
    alarmActions: [topicArn],
    okActions: [topicArn],
  };
}

export interface CleanerAlarmsArgs {
  /** The Cleaner component's name: the prefix of every child's name. */
  name: string;
  namePrefix: string;
  alarmEmail?: string;
  deadLetterQueue: aws.sqs.Queue;
  function: aws.lambda.Function;
  /** The silver workers' dead-letter queue and function; none when the stack has no workers. */
  silver?: { deadLetterQueue: aws.sqs.Queue; function: aws.lambda.Function };
}

/** Creates the topic and the alarms as children of `parent` (the Cleaner); returns the topic. */
export function createCleanerAlarms(parent: pulumi.Resource, args: CleanerAlarmsArgs): aws.sns.Topic {
  const childOpts = { parent };
  const { name, namePrefix } = args;
  const topic = new aws.sns.Topic(`${name}-alarms`, { name: `${namePrefix}-alarms` }, childOpts);
  if (args.alarmEmail) {
    new aws.sns.TopicSubscription(`${name}-alarms-email`, { topic: topic.arn, protocol: 'email', endpoint: args.alarmEmail }, childOpts);
  }
  const alarm = (suffix: string, inputs: Omit<aws.cloudwatch.MetricAlarmArgs, 'comparisonOperator' | 'evaluationPeriods'>) =>
    new aws.cloudwatch.MetricAlarm(`${name}-${suffix}-alarm`, { ...inputs, ...alertOnAnyOccurrence(topic.arn) }, childOpts);
  // Dead letters, one alarm per dead-letter queue.
  const deadLetterAlarms = [
    {
      suffix: 'dead-letter',
      name: `${namePrefix}-landings-dead-letters`,
      alarmDescription: 'A landing failed every retry and waits in the dead-letter queue',
      queue: args.deadLetterQueue,
    },
    ...(args.silver
      ? [
          {
            suffix: 'silver-dead-letter',
            name: `${namePrefix}-silver-dead-letters`,
            alarmDescription: "A batch's own steps failed every retry: the turn keeper skips that landing (its log names it); re-land or reprocess it",
            queue: args.silver.deadLetterQueue,
          },
        ]
      : []),
  ];
  for (const { suffix, name: alarmName, alarmDescription, queue } of deadLetterAlarms) {
    alarm(suffix, {
      name: alarmName,
      alarmDescription,
      namespace: 'AWS/SQS',
      metricName: 'ApproximateNumberOfMessagesVisible',
      dimensions: { QueueName: queue.name },
      statistic: 'Maximum',
    });
  }
  // The Lambdas' own metrics: one alarm per function and metric, same shape, named after both.
  const functions = [
    { prefix: '', physical: 'cleaner', label: 'The cleaner Lambda', function: args.function },
    ...(args.silver ? [{ prefix: 'silver-worker-', physical: 'silver-worker', label: 'A silver worker', function: args.silver.function }] : []),
  ];
  const lambdaAlarms = [
    { suffix: 'errors', metricName: 'Errors', alarmDescription: (label: string) => `${label} failed an invocation` },
    { suffix: 'throttles', metricName: 'Throttles', alarmDescription: (label: string) => `${label} was throttled (account concurrency exhausted): landings wait` },
  ];
  for (const fn of functions) {
    for (const { suffix, metricName, alarmDescription } of lambdaAlarms) {
      alarm(`${fn.prefix}${suffix}`, {
        name: `${namePrefix}-${fn.physical}-${suffix}`,
        alarmDescription: alarmDescription(fn.label),
        namespace: 'AWS/Lambda',
        metricName,
        dimensions: { FunctionName: fn.function.name },
        statistic: 'Sum',
      });
    }
  }
  alarm('landings-refused', {
    name: `${namePrefix}-landings-refused`,
    alarmDescription: 'The cleaner refused a landing (the reason is in its log)',
    namespace: METRICS_NAMESPACE,
    metricName: LANDINGS_REFUSED_METRIC,
    dimensions: { [METRICS_SERVICE_DIMENSION]: SERVICE_NAME },
    statistic: 'Sum',
  });
  return topic;
}
