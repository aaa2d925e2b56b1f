import type { Command } from 'commander';

/** Appends an "Examples:" block to a command's --help (every command has one; test/help.test.ts checks). */
export function examples<C extends Command>(command: C, ...lines: string[]): C {
  command.addHelpText('after', `\nExamples:\n${lines.map((l) => `  $ ${l}`).join('\n')}\n`);
  return command;
}
