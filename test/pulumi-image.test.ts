// The cleaner image builds from a clean checkout: lambda/Dockerfile bundles the handler in a
// build stage (no dist/ needed beforehand), on a supported Lambda Node.js base image of the same
// major as the bundle's esbuild target, and .dockerignore lets in exactly what that stage reads
// (checked with a Docker-compatible .dockerignore matcher against the bundle's real inputs).
import type { Ignore } from '@balena/dockerignore';
import test from 'ava';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buildLambda, LAMBDA_NODE_MAJOR, REPO_ROOT } from '../scripts/build-lambda.ts';

// The package is CommonJS (`module.exports = factory`) while its typings declare a default export.
const dockerignore = createRequire(import.meta.url)('@balena/dockerignore') as (options?: { ignorecase?: boolean }) => Ignore;
const dockerfile = await readFile(path.join(REPO_ROOT, 'lambda/Dockerfile'), 'utf8');
const ignore = dockerignore({ ignorecase: false }).add((await readFile(path.join(REPO_ROOT, '.dockerignore'), 'utf8')).split('\n'));
/** Docker's view: true when the path reaches the build context. */
const inContext = (file: string) => !ignore.ignores(file);

interface Stage {
  from: string;
  name: string | undefined;
  instructions: string[];
}

/** The stages of the Dockerfile, comments and blank lines dropped. */
function stages(text: string): Stage[] {
  const result: Stage[] = [];
  for (const line of text.split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'))) {
    const from = /^FROM\s+(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?$/i.exec(line);
    if (from) result.push({ from: from[1]!, name: from[2], instructions: [] });
    else result.at(-1)?.instructions.push(line);
  }
  return result;
}

test('the Dockerfile bundles in a build stage and ships it on the Lambda Node.js base image of the bundle target', (t) => {
  const [build, runtime, ...rest] = stages(dockerfile);
  t.deepEqual(rest, [], 'two stages');
  t.truthy(build && runtime);
  t.is(build!.name, 'build');
  t.regex(build!.from, new RegExp(`^node:${LAMBDA_NODE_MAJOR}(-|$)`), 'the build stage is the official node image of the same major');
  t.true(build!.instructions.some((line) => /^RUN npm ci\b/.test(line)), 'installs the locked dependencies');
  t.true(build!.instructions.includes('RUN npm run build:lambda'), 'bundles inside the image');
  t.is(runtime!.from, `public.ecr.aws/lambda/nodejs:${LAMBDA_NODE_MAJOR}`);
  t.deepEqual(runtime!.instructions, ['COPY --from=build /build/dist/lambda/ ${LAMBDA_TASK_ROOT}/', 'CMD ["index.handler"]']);
  t.false(/^COPY\s+dist\//m.test(dockerfile), 'nothing is copied from a dist/ built outside the image');
});

test('.dockerignore lets in every source the build stage copies and keeps node_modules, .lake, dist and .git out', (t) => {
  const sources = stages(dockerfile)[0]!.instructions
    .filter((line) => line.startsWith('COPY '))
    .flatMap((line) => line.split(/\s+/).slice(1, -1));
  t.deepEqual(sources, ['package.json', 'package-lock.json', 'tsconfig.json', 'scripts/build-lambda.ts', 'handlers/', 'sql/']);
  for (const source of ['package.json', 'package-lock.json', 'tsconfig.json', 'scripts/build-lambda.ts', 'handlers/lambda.ts', 'sql/gold/cleaned_transactions.sql']) {
    t.true(inContext(source), `${source} reaches the build`);
  }
  for (const kept of ['node_modules/esbuild/package.json', 'handlers/node_modules/x.js', '.lake/silver/x.parquet', 'dist/lambda/index.mjs', '.git/HEAD', 'test/pulumi-image.test.ts', 'bench/pipeline.ts']) {
    t.false(inContext(kept), `${kept} stays out`);
  }
});

test('every repository file the bundle is built from reaches the build stage', async (t) => {
  const outDir = await mkdtemp(path.join(tmpdir(), 'pf-image-'));
  try {
    const built = await buildLambda({ outDir });
    const ownInputs = built.inputs.filter((input) => !input.includes('node_modules/'));
    t.true(ownInputs.includes('handlers/lambda.ts'));
    t.deepEqual(ownInputs.filter((input) => !inContext(input)), [], 'no input of the bundle is kept out of the image build');
  } finally {
    await rm(outDir, { recursive: true, force: true });
  }
});
