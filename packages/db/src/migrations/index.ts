import { baseline } from './0001-baseline.ts';
import { clientKeys } from './0002-client-keys.ts';
import { upgradeFixes } from './0003-upgrade-fixes.ts';
import type { Migration } from './migration.ts';

/** Every migration, in the order it runs. Append only. */
export const MIGRATIONS: readonly Migration[] = [baseline, clientKeys, upgradeFixes];
