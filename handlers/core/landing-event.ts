// A landing: an object that arrived in bronze. The Lambda reads them from EventBridge bodies
// (handlers/aws/sqs-landings.ts), the CLI from the files it copies in (cli/ingest-files.ts).
import type { ObjectRef } from './ports.ts';

export interface Landing {
  ref: ObjectRef;
  size?: number;
  etag?: string;
}
