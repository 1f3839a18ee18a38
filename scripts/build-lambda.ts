// Bundles the cleaner Lambda: handlers/lambda.ts → dist/lambda/index.mjs (ESM, Node 24), with the
// AWS SDK v3 bundled in at the versions pinned by package-lock.json (not the runtime's copy), and
// sql/ copied beside it. Fails when DuckDB (the local engine) ends up in the bundle.
// Usage: npx tsx scripts/build-lambda.ts   (npm run build:lambda)
// It runs inside the image's build stage too (lambda/Dockerfile): its only inputs are
// handlers/, sql/, this script and the installed node_modules, all paths relative to REPO_ROOT.
import { build, type Metafile, type Plugin } from 'esbuild';
import { cp, mkdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** The Node.js major of the Lambda base image (lambda/Dockerfile): the bundle's esbuild target. */
export const LAMBDA_NODE_MAJOR = 24;

export interface LambdaBuild {
  outDir: string;
  bundle: string;
  bytes: number;
  inputs: string[];
  metafile: Metafile;
}

/** Inputs of the bundle that belong to DuckDB; the bundle must have none. */
export function forbiddenInputs(inputs: string[]): string[] {
  return inputs.filter((input) => /duckdb/i.test(input));
}

/** Stops the build at the first import of DuckDB, naming the importer. */
const refuseDuckDb: Plugin = {
  name: 'refuse-duckdb',
  setup(builder) {
    builder.onResolve({ filter: /duckdb/i }, (args) => ({
      errors: [{ text: `the Lambda bundle must not contain DuckDB: ${args.importer} imports ${args.path}` }],
    }));
  },
};

export async function buildLambda(options: { outDir?: string; entry?: string } = {}): Promise<LambdaBuild> {
  const outDir = options.outDir ?? path.join(REPO_ROOT, 'dist', 'lambda');
  await rm(outDir, { recursive: true, force: true });
  await mkdir(outDir, { recursive: true });
  const bundle = path.join(outDir, 'index.mjs');
  const result = await build({
    entryPoints: [options.entry ?? path.join(REPO_ROOT, 'handlers', 'lambda.ts')],
    outfile: bundle,
    bundle: true,
    platform: 'node',
    target: `node${LAMBDA_NODE_MAJOR}`,
    format: 'esm',
    minify: true,
    sourcemap: false,
    metafile: true,
    legalComments: 'none',
    // CommonJS dependencies call require(); an ESM bundle has none unless we create it.
    banner: { js: "import { createRequire as __pfCreateRequire } from 'node:module'; const require = __pfCreateRequire(import.meta.url);" },
    plugins: [refuseDuckDb],
    logLevel: 'silent',
  });
  const inputs = Object.keys(result.metafile.inputs);
  const forbidden = forbiddenInputs(inputs);
  if (forbidden.length > 0) {
    throw new Error(`the Lambda bundle must not contain DuckDB, but it pulls in: ${forbidden.slice(0, 10).join(', ')}`);
  }
  await cp(path.join(REPO_ROOT, 'sql'), path.join(outDir, 'sql'), { recursive: true });
  const bytes = (await stat(bundle)).size;
  return { outDir, bundle, bytes, inputs, metafile: result.metafile };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  buildLambda()
    .then((out) => {
      process.stdout.write(`built ${path.relative(REPO_ROOT, out.bundle)}: ${(out.bytes / 1024).toFixed(0)} KiB, ${out.inputs.length} inputs, no DuckDB\n`);
    })
    .catch((error: unknown) => {
      process.stderr.write(`build:lambda failed: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 1;
    });
}
