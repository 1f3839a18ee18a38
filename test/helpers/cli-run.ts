// Runs the `procureflow` command as a user does (bin/procureflow.js in a fresh node), for the CLI
// tests: exit code and both streams, stdin written to a pipe (as `… | procureflow query` gives).
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ExecutionContext } from 'ava';

export const BIN = fileURLToPath(new URL('../../bin/procureflow.js', import.meta.url));

/** The header line of a landed file, spelled out as the data contract gives it. */
export { HEADER } from './local-lake.ts';

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI with `env` added to this process's environment. */
export function procureflow(args: string[], options: { stdin?: string; env?: Record<string, string> } = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, ...options.env } });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
    child.stdin.end(options.stdin ?? '');
  });
}

/** A temporary folder removed when the test ends. */
export async function scratch(t: ExecutionContext, prefix = 'procureflow-cli-'): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), prefix));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** A query's CSV output; throws with the CLI's stderr when it fails. */
export async function queryCsv(sql: string, lake: string): Promise<string> {
  const run = await procureflow(['query', sql, '--lake', lake, '--format', 'csv']);
  if (run.code !== 0) throw new Error(`query failed: ${run.stderr}`);
  return run.stdout;
}

/** A query's rows through --format json; throws with the CLI's stderr when it fails. */
export async function queryJson(sql: string, lake: string): Promise<Record<string, unknown>[]> {
  const run = await procureflow(['query', sql, '--lake', lake, '--format', 'json']);
  if (run.code !== 0) throw new Error(`query failed: ${run.stderr}`);
  return JSON.parse(run.stdout) as Record<string, unknown>[];
}
