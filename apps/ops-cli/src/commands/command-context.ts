import type { Connection } from '../connection.ts';
import type { Io } from '../output.ts';

export interface CommandContext {
  io: Io;
  /** Connects lazily, so `db setup` and `--help` need no gateway. */
  connection(): Connection;
}
