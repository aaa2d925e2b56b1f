import { PassThrough } from 'node:stream';
import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { colourWanted, painter } from '../src/colour.ts';
import { isBlankInvoice, outputNames } from '../src/commands/extract.ts';
import { auditChange, rotationOf } from '../src/commands/tokens.ts';
import { parseWhen } from '../src/dates.ts';
import { CliError, EXIT } from '../src/exit-codes.ts';
import { buildProgram } from '../src/main.ts';
import type { Io } from '../src/output.ts';
import { promptHidden, readSecret } from '../src/read-secret.ts';

// The pieces behind the fixes, in process (the child-process proofs are in cli-fixes.test.ts).

const NOW = new Date('2026-03-10T12:34:56Z');

describe('parseWhen', () => {
  it('reads amounts ago, day words (UTC) and ISO forms', () => {
    expect(parseWhen('7d', '--from', NOW)).toBe('2026-03-03T12:34:56.000Z');
    expect(parseWhen('24h', '--from', NOW)).toBe('2026-03-09T12:34:56.000Z');
    expect(parseWhen('30m', '--from', NOW)).toBe('2026-03-10T12:04:56.000Z');
    expect(parseWhen('yesterday', '--from', NOW)).toBe('2026-03-09T00:00:00.000Z');
    expect(parseWhen('Today', '--from', NOW)).toBe('2026-03-10T00:00:00.000Z');
    expect(parseWhen('2026-03-01', '--from', NOW)).toBe('2026-03-01T00:00:00.000Z');
    expect(parseWhen('2026-03-01 08:00', '--from', NOW)).toBe('2026-03-01T08:00:00.000Z');
    expect(parseWhen('2026-03-01T08:00:00+05:45', '--from', NOW)).toBe('2026-03-01T02:15:00.000Z');
  });
  it('refuses anything else as a usage error naming the option', () => {
    for (const bad of ['tomorrow', '2026-02-31', '03/04/2026', 'March 3', '', '7 days'])
      expect(() => parseWhen(bad, '--to', NOW)).toThrow(
        expect.objectContaining({
          exitCode: EXIT.USAGE,
          message: expect.stringContaining('--to: cannot read'),
        }),
      );
  });
});

describe('extract helpers', () => {
  it('names results after the whole file name, numbering repeats', () => {
    expect(outputNames(['a/inv-1.pdf', 'a/inv-1.png', 'b/inv-1.pdf', 'c/INV-1.PDF', 'inv-2.jpeg'])).toEqual([
      'inv-1.pdf.json',
      'inv-1.png.json',
      'inv-1.pdf.2.json',
      'INV-1.PDF.3.json',
      'inv-2.jpeg.json',
    ]);
  });
  it('a blank invoice is every field null or empty and no lines', () => {
    const blank = { invoice_no: null, company_name: '', total_amount: null, products: [] };
    expect(isBlankInvoice(blank as never)).toBe(true);
    expect(isBlankInvoice({ ...blank, total_amount: 0 } as never)).toBe(false);
    expect(isBlankInvoice({ ...blank, products: [{ sku: null }] } as never)).toBe(false);
  });
});

describe('tokens rendering', () => {
  it('audit rows as field: before → after', () => {
    const before = { status: 'Active', totalTokenLimit: 100, retiresAt: null, keyHint: 'AIza…xxx' };
    expect(
      auditChange(before, { ...before, status: 'Disabled', retiresAt: '2026-01-01T00:00:00.000Z' }),
    ).toBe('status: Active → Disabled, retiresAt: none → 2026-01-01T00:00:00.000Z');
    expect(auditChange(null, before)).toBe('status: Active, totalTokenLimit: 100, keyHint: AIza…xxx');
    expect(auditChange(before, before)).toBe('(no change)');
    expect(auditChange(null, null)).toBe('');
  });
  it('rotation state', () => {
    const t = {
      tokenId: 1,
      status: 'Active',
      retiresAt: '2026-01-01T00:00:00.000Z',
      rotatedFromTokenId: null,
    };
    expect(rotationOf(t as never, new Map([[1, 3]]))).toBe('retires 2026-01-01T00:00:00.000Z → 3');
    expect(rotationOf({ ...t, status: 'Disabled' } as never, new Map([[1, 3]]))).toBe(
      'retired 2026-01-01T00:00:00.000Z → 3',
    );
    expect(rotationOf({ tokenId: 3, retiresAt: null, rotatedFromTokenId: 1 } as never)).toBe('replaces 1');
    expect(
      rotationOf({ tokenId: 1, retiresAt: null, rotatedFromTokenId: null } as never, new Map([[1, 3]])),
    ).toBe('replaced by 3');
  });
});

describe('colour', () => {
  it('NO_COLOR and --no-color win; FORCE_COLOR colours a pipe; otherwise a terminal only', () => {
    expect(colourWanted({ isTTY: true }, {})).toBe(true);
    expect(colourWanted({ isTTY: true }, { TERM: 'dumb' })).toBe(false);
    expect(colourWanted({ isTTY: false }, {})).toBe(false);
    expect(colourWanted({ isTTY: true }, { NO_COLOR: '1' })).toBe(false);
    expect(colourWanted({ isTTY: false }, { FORCE_COLOR: '1' })).toBe(true);
    expect(colourWanted({ isTTY: true }, { FORCE_COLOR: '0' })).toBe(false);
    expect(colourWanted({ isTTY: false }, { FORCE_COLOR: '1', NO_COLOR: '1' })).toBe(false);
    expect(colourWanted({ isTTY: true }, {}, true)).toBe(false);
    expect(painter(false)('red', 'x')).toBe('x');
    expect(painter(true)('red', 'x')).toBe('\u001b[31mx\u001b[39m');
  });
});

/** A terminal as readline sees one: raw mode, keystrokes in, nothing shown. */
function fakeTerminal() {
  const input = new PassThrough() as PassThrough & {
    isTTY: boolean;
    setRawMode(on: boolean): void;
    raw: boolean[];
  };
  input.isTTY = true;
  input.raw = [];
  input.setRawMode = (on: boolean) => {
    input.raw.push(on);
  };
  let shown = '';
  const output = new PassThrough();
  output.on('data', (d) => {
    shown += d;
  });
  return { input, output, shown: () => shown };
}

describe('the hidden prompt', () => {
  it('reads a line in raw mode and shows only the question', async () => {
    const t = fakeTerminal();
    const answer = promptHidden('Key (input hidden): ', t.input as never, t.output);
    t.input.write('AIzaFAKE-sec');
    t.input.write('ret-typed\x7f\x7fed\r');
    expect(await answer).toBe('AIzaFAKE-secret-typed');
    expect(t.shown()).toBe('Key (input hidden): \n');
    expect(t.input.raw[0]).toBe(true);
    expect(t.input.raw.at(-1)).toBe(false);
  });
  it('Ctrl-C cancels with exit code 130', async () => {
    const t = fakeTerminal();
    const answer = promptHidden('Key: ', t.input as never, t.output);
    t.input.write('AIza\x03');
    await expect(answer).rejects.toMatchObject({ exitCode: EXIT.INTERRUPTED });
    expect(t.shown()).not.toContain('AIza');
  });
  it('readSecret asks on a terminal and refuses an empty answer', async () => {
    const t = fakeTerminal();
    const key = readSecret(undefined, { stdin: t.input as never, prompt: t.output, label: 'Gemini key' });
    t.input.write('  AIzaFAKE-x  \r');
    expect(await key).toBe('AIzaFAKE-x');
    expect(t.shown()).toBe('Gemini key (input hidden): \n');
    const empty = fakeTerminal();
    const none = readSecret(undefined, { stdin: empty.input as never, prompt: empty.output });
    empty.input.write('\r');
    await expect(none).rejects.toBeInstanceOf(CliError);
  });
});

describe('help', () => {
  it('every command and subcommand has a description and examples', () => {
    let text = '';
    const io: Io = {
      out: (t) => {
        text += t;
      },
      err: (t) => {
        text += t;
      },
      json: false,
      tty: false,
      paint: painter(false),
      paintErr: painter(false),
    };
    const { program } = buildProgram(io);
    const all: Command[] = [];
    const walk = (c: Command) => {
      all.push(c);
      for (const sub of c.commands) walk(sub);
    };
    walk(program);
    expect(all.length).toBeGreaterThan(25);
    for (const command of all) {
      text = '';
      command.outputHelp();
      const name = command.name();
      expect(command.description(), name).not.toBe('');
      expect(text, name).toMatch(/\nExamples:\n( {2}\$ .+\n)+/);
      expect(text.slice(text.indexOf('Examples:')), name).toContain('  $ ocr-ops ');
    }
  });
});
