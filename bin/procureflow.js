#!/usr/bin/env node
// The `procureflow` command runs the TypeScript sources directly through tsx's loader,
// so a clone needs no build step: `npm ci && npx procureflow demo`.
import { register } from 'tsx/esm/api';

register();
await import('../cli/main.ts');
