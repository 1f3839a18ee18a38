// Pulumi.yaml's config schema and components/stack-config.ts both state every key's default:
// `pulumi up` applies the schema's, the tests read stack-config's. They must be the same values.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { load } from 'js-yaml';
import { readStackConfig } from '../components/stack-config.ts';
import { REPO_ROOT } from '../scripts/build-lambda.ts';

interface ProjectFile {
  name: string;
  config: Record<string, { default?: unknown; value?: unknown }>;
}

const project = load(readFileSync(path.join(REPO_ROOT, 'Pulumi.yaml'), 'utf8')) as ProjectFile;

test('every procureflow key of Pulumi.yaml has a default, and it is the one stack-config applies', (t) => {
  const schema = Object.entries(project.config).filter(([key]) => !key.includes(':'));
  t.true(schema.length >= 15, `keys: ${schema.map(([key]) => key).join(', ')}`);
  const defaults = new Map(schema.map(([key, entry]) => [key, entry.default]));
  for (const [key, value] of defaults) t.not(value, undefined, `Pulumi.yaml: ${key} has no default`);
  const fromSchema = readStackConfig((key) => {
    const value = defaults.get(key);
    return value === undefined || value === '' ? undefined : String(value);
  }, project.name, 'prod');
  t.deepEqual(fromSchema, readStackConfig(() => undefined, project.name, 'prod'));
});
