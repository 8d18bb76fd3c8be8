#!/usr/bin/env node
// Entry point for `npx cellpose-studio`: runs the TypeScript CLI through tsx (no build step).
import { register } from 'tsx/esm/api';

register();
process.env.CELLPOSE_STUDIO_CLI = '1';
await import('../src/cli/main.ts');
