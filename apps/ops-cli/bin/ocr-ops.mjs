#!/usr/bin/env node
// Runs the TypeScript sources on Node 20 (which cannot strip types itself).
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/main.ts');
process.exitCode = await main(process.argv.slice(2));
