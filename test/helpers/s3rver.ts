// A real local S3 server for tests and benches: s3rver on 127.0.0.1, a random free port,
// a throwaway directory, the named buckets created before it answers.
import { S3Client } from '@aws-sdk/client-s3';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

interface S3rverInstance {
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
}
type S3rverConstructor = new (options: {
  address: string;
  port: number;
  directory: string;
  silent: boolean;
  configureBuckets: { name: string }[];
  allowMismatchedSignatures?: boolean;
}) => S3rverInstance;

const require = createRequire(import.meta.url);
const S3rver = require('s3rver') as S3rverConstructor;

/**
 * s3rver encrypts ListObjectsV2 continuation tokens with single DES, which OpenSSL 3 (Node ≥ 17)
 * no longer offers: every second listing page fails with a 500. The token only has to round-trip
 * through s3rver itself, so DES (and nothing else) is swapped for the identity here.
 */
function letS3rverPageListings(): void {
  const crypto = require('node:crypto') as typeof import('node:crypto') & { __s3rverDes?: boolean };
  if (crypto.__s3rverDes) return;
  const identity = () => ({ update: (data: Buffer | string) => Buffer.from(data as string), final: () => Buffer.alloc(0) });
  const cipher = crypto.createCipheriv.bind(crypto);
  const decipher = crypto.createDecipheriv.bind(crypto);
  Object.assign(crypto, {
    __s3rverDes: true,
    createCipheriv: (algorithm: string, ...rest: unknown[]) =>
      algorithm === 'des' ? identity() : (cipher as (...args: unknown[]) => unknown)(algorithm, ...rest),
    createDecipheriv: (algorithm: string, ...rest: unknown[]) =>
      algorithm === 'des' ? identity() : (decipher as (...args: unknown[]) => unknown)(algorithm, ...rest),
  });
}

export interface LocalS3 {
  endpoint: string;
  client: S3Client;
  /** The folder s3rver stores into. */
  directory: string;
  /** A fresh client on the same server (e.g. to add middleware to one of them only). */
  newClient(): S3Client;
  close(): Promise<void>;
}

/** An SDK v3 client for an s3rver endpoint: path-style, dummy credentials. */
export function s3rverClient(endpoint: string): S3Client {
  return new S3Client({
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    // s3rver does not speak the newer default checksums on every request.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

export async function startS3rver(buckets: string[], options: { directory?: string } = {}): Promise<LocalS3> {
  letS3rverPageListings();
  const directory = await mkdtemp(path.join(options.directory ?? tmpdir(), 'procureflow-s3rver-'));
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    directory,
    silent: true,
    configureBuckets: buckets.map((name) => ({ name })),
  });
  const { port } = await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  const clients: S3Client[] = [];
  const newClient = (): S3Client => {
    const client = s3rverClient(endpoint);
    clients.push(client);
    return client;
  };
  const client = newClient();
  return {
    endpoint,
    client,
    directory,
    newClient,
    async close() {
      for (const c of clients) c.destroy();
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}
