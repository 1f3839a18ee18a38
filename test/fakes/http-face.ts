// The HTTP face: the same fake services behind a local HTTP server, for code that builds its own
// clients (the Lambda bundle in a child process, benches). Glue and Athena speak the AWS JSON 1.1
// protocol (POST /, `X-Amz-Target: AWSGlue.<Op>` / `AmazonAthena.<Op>`, errors as
// `x-amzn-errortype` + `{"__type", "message"}`); S3 speaks its REST/XML protocol, path-style
// (`/bucket/key`), for the operations the project calls. Point clients at it with
// AWS_ENDPOINT_URL_GLUE / _ATHENA / _S3 (an IP endpoint makes the SDK use path-style S3).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FakeAws } from './fake-aws.ts';

type Handler = (input: Record<string, unknown>) => unknown;

function jsonReplacer(this: Record<string, unknown>, key: string, value: unknown): unknown {
  // The JSON protocol sends timestamps as epoch seconds.
  const raw = this[key];
  return raw instanceof Date ? raw.getTime() / 1000 : value;
}

const xmlEscape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export interface HttpFace {
  endpoint: string;
  /** Environment for a child process whose SDK clients should reach this face. */
  env: Record<string, string>;
  close(): Promise<void>;
}

export async function startHttpFace(aws: FakeAws): Promise<HttpFace> {
  const json: Record<string, Handler> = {
    'AWSGlue.CreateTable': (input) => aws.glue.createTable(input),
    'AWSGlue.GetTable': (input) => aws.glue.getTable(input),
    'AWSGlue.DeleteTable': (input) => aws.glue.deleteTable(input),
    'AWSGlue.CreatePartition': (input) => aws.glue.createPartition(input),
    'AWSGlue.BatchCreatePartition': (input) => aws.glue.batchCreatePartition(input),
    'AWSGlue.GetPartition': (input) => aws.glue.getPartition(input),
    'AWSGlue.BatchGetPartition': (input) => aws.glue.batchGetPartition(input),
    'AmazonAthena.StartQueryExecution': (input) => aws.athena.startQueryExecution(input),
    'AmazonAthena.GetQueryExecution': (input) => aws.athena.getQueryExecution(input),
    'AmazonAthena.GetQueryResults': (input) => aws.athena.getQueryResults(input),
  };

  const replyError = (res: ServerResponse, error: unknown, xml: boolean) => {
    const e = error as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
    const status = e.$metadata?.httpStatusCode ?? 500;
    const name = e.name ?? 'InternalFailure';
    if (xml) {
      res.writeHead(status, { 'content-type': 'application/xml' });
      // HEAD answers carry no body: the SDK then names the error by status (NotFound).
      res.end(res.req.method === 'HEAD' ? undefined : `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${name}</Code><Message>${xmlEscape(e.message ?? '')}</Message></Error>`);
      return;
    }
    res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-errortype': name });
    res.end(JSON.stringify({ __type: name, message: e.message ?? '' }));
  };

  const handleS3 = async (req: IncomingMessage, res: ServerResponse, body: Buffer) => {
    const url = new URL(req.url ?? '/', 'http://fake');
    const [, bucket = '', ...rest] = url.pathname.split('/');
    const key = decodeURIComponent(rest.join('/'));
    const Bucket = decodeURIComponent(bucket);
    if (req.method === 'GET' && key === '' && url.searchParams.get('list-type') === '2') {
      const out = aws.s3.listObjectsV2({
        Bucket,
        Prefix: url.searchParams.get('prefix') ?? '',
        ContinuationToken: url.searchParams.get('continuation-token') ?? undefined,
        MaxKeys: url.searchParams.has('max-keys') ? Number(url.searchParams.get('max-keys')) : undefined,
      });
      const contents = out.Contents.map((c) => `<Contents><Key>${xmlEscape(c.Key)}</Key><Size>${c.Size}</Size><ETag>${xmlEscape(c.ETag)}</ETag></Contents>`).join('');
      res.writeHead(200, { 'content-type': 'application/xml' });
      res.end(
        `<?xml version="1.0" encoding="UTF-8"?><ListBucketResult><Name>${xmlEscape(Bucket)}</Name><KeyCount>${out.KeyCount}</KeyCount>` +
          `<IsTruncated>${out.IsTruncated}</IsTruncated>${out.NextContinuationToken ? `<NextContinuationToken>${out.NextContinuationToken}</NextContinuationToken>` : ''}${contents}</ListBucketResult>`,
      );
      return;
    }
    if (req.method === 'POST' && url.searchParams.has('delete')) {
      const keys = [...body.toString('utf8').matchAll(/<Key>([\s\S]*?)<\/Key>/g)].map((m) => (m[1] ?? '').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&amp;/g, '&'));
      const out = aws.s3.deleteObjects({ Bucket, Delete: { Objects: keys.map((Key) => ({ Key })) } });
      res.writeHead(200, { 'content-type': 'application/xml' });
      res.end(`<?xml version="1.0" encoding="UTF-8"?><DeleteResult>${out.Deleted.map((d) => `<Deleted><Key>${xmlEscape(d.Key)}</Key></Deleted>`).join('')}</DeleteResult>`);
      return;
    }
    if (req.method === 'HEAD') {
      const out = aws.s3.headObject({ Bucket, Key: key });
      res.writeHead(200, { 'content-length': String(out.ContentLength), etag: out.ETag, 'last-modified': out.LastModified.toUTCString() });
      res.end();
      return;
    }
    if (req.method === 'GET') {
      const out = aws.s3.getObject({ Bucket, Key: key });
      res.writeHead(200, { 'content-length': String(out.ContentLength), etag: out.ETag });
      out.Body.pipe(res);
      return;
    }
    if (req.method === 'PUT' && req.headers['x-amz-copy-source']) {
      const out = aws.s3.copyObject({ Bucket, Key: key, CopySource: String(req.headers['x-amz-copy-source']) });
      res.writeHead(200, { 'content-type': 'application/xml' });
      res.end(`<?xml version="1.0" encoding="UTF-8"?><CopyObjectResult><ETag>${xmlEscape(out.CopyObjectResult.ETag)}</ETag><LastModified>${out.CopyObjectResult.LastModified.toISOString()}</LastModified></CopyObjectResult>`);
      return;
    }
    if (req.method === 'PUT' && !url.searchParams.has('uploadId')) {
      const out = await aws.s3.putObject({ Bucket, Key: key, Body: body });
      res.writeHead(200, { etag: out.ETag });
      res.end();
      return;
    }
    res.writeHead(501, { 'content-type': 'application/xml' });
    res.end(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>NotImplemented</Code><Message>fake S3: ${req.method ?? ''} ${xmlEscape(req.url ?? '')} is not emulated</Message></Error>`);
  };

  const server: Server = createServer((req, res) => {
    void (async () => {
      const body = await readBody(req);
      const target = req.headers['x-amz-target'];
      if (typeof target === 'string') {
        try {
          const handler = json[target];
          if (!handler) throw Object.assign(new Error(`fake AWS: ${target} is not emulated`), { name: 'UnknownOperationException', $metadata: { httpStatusCode: 400 } });
          const out = await handler(body.length > 0 ? (JSON.parse(body.toString('utf8')) as Record<string, unknown>) : {});
          res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
          res.end(JSON.stringify(out ?? {}, jsonReplacer));
        } catch (error) {
          replyError(res, error, false);
        }
        return;
      }
      try {
        await handleS3(req, res, body);
      } catch (error) {
        replyError(res, error, true);
      }
    })();
  });
  // Node closes an idle keep-alive socket after 5 s; while the fake Athena holds the event loop
  // on a large file, the client's next request on such a socket then meets ECONNRESET, which
  // AWS's endpoints would not cause. Keep idle sockets as long as a statement may take.
  server.keepAliveTimeout = 120_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    endpoint,
    env: {
      AWS_ENDPOINT_URL_S3: endpoint,
      AWS_ENDPOINT_URL_GLUE: endpoint,
      AWS_ENDPOINT_URL_ATHENA: endpoint,
      AWS_REQUEST_CHECKSUM_CALCULATION: 'WHEN_REQUIRED',
      AWS_RESPONSE_CHECKSUM_VALIDATION: 'WHEN_REQUIRED',
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
