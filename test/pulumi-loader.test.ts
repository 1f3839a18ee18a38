// index.ts loads the way Pulumi's Node.js language host loads it: Pulumi.yaml turns off the
// built-in TypeScript support (`typescript: false`) and passes `nodeargs` to node (project file
// reference, runtime options: https://www.pulumi.com/docs/iac/concepts/projects/project-file/).
// A child `node <nodeargs>` process, with nothing of ava's loader, installs the Pulumi mocks and
// imports index.ts; it must register the stack's three components.
import test from 'ava';
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from '../scripts/build-lambda.ts';

const run = promisify(execFile);
const project = await readFile(path.join(REPO_ROOT, 'Pulumi.yaml'), 'utf8');

/** A `key: value` of the runtime options block of Pulumi.yaml. */
function runtimeOption(key: string): string | undefined {
  const block = /^runtime:\n((?:[ ]{2}.*\n)+)/m.exec(project)?.[1] ?? '';
  return new RegExp(`^\\s{4}${key}:\\s*(.+)$`, 'm').exec(block)?.[1]?.trim();
}

test('Pulumi.yaml runs index.ts on node with the tsx loader, without the built-in ts-node', (t) => {
  t.regex(project, /^runtime:\n {2}name: nodejs$/m);
  t.regex(project, /^main: index\.ts$/m);
  t.is(runtimeOption('typescript'), 'false');
  t.is(runtimeOption('nodeargs'), '--import tsx');
});

test('a plain node process with the project nodeargs loads index.ts under Pulumi mocks', async (t) => {
  const nodeargs = (runtimeOption('nodeargs') ?? '').split(/\s+/).filter(Boolean);
  // The child's own script is ESM data URL code; it imports the TypeScript helpers through tsx.
  const script = [
    `const { installMocks, settled, registeredUrns, qualifiedName } = await import(${JSON.stringify(path.join(REPO_ROOT, 'test/pulumi-helpers/mocks.ts'))});`,
    `const registrations = installMocks('dev', { 'aws:region': 'us-east-1', 'procureflow:namePrefix': 'procureflow-dev', 'procureflow:databaseName': 'procureflow_db' });`,
    `await import(${JSON.stringify(path.join(REPO_ROOT, 'index.ts'))});`,
    'await settled();',
    `console.log(JSON.stringify(registeredUrns().map(qualifiedName).filter((name) => !name.includes('$')).sort()));`,
  ].join('\n');
  const { stdout } = await run(process.execPath, [...nodeargs, '--input-type=module', '--eval', script], {
    cwd: REPO_ROOT,
    // Only the project's nodeargs: nothing inherited from ava's worker.
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' },
    maxBuffer: 16 * 1024 * 1024,
  });
  t.deepEqual(JSON.parse(stdout.trim().split('\n').at(-1) ?? '[]'), [
    'procureflow:catalog:Catalog::catalog',
    'procureflow:cleaner:Cleaner::cleaner',
    'procureflow:lake:LakeBuckets::lake',
  ]);
});
