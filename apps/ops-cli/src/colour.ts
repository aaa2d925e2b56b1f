import { styleText } from 'node:util';

export type Style = Parameters<typeof styleText>[0];
/** Colours `text`, or returns it unchanged when colour is off. */
export type Paint = (style: Style, text: string) => string;

/**
 * Whether to colour what goes to `stream`: never when NO_COLOR is set (https://no-color.org) or
 * `--no-color` is given; FORCE_COLOR (other than 0/false) colours a pipe too; otherwise only a
 * terminal that is not TERM=dumb.
 */
export function colourWanted(
  stream: { isTTY?: boolean },
  env: NodeJS.ProcessEnv = process.env,
  flagOff = false,
): boolean {
  if (flagOff || env.NO_COLOR) return false;
  const force = env.FORCE_COLOR;
  if (force !== undefined && force !== '') return !['0', 'false'].includes(force.toLowerCase());
  return Boolean(stream.isTTY) && env.TERM !== 'dumb';
}

/** The decision is ours (above), so styleText is told not to second-guess it. */
export function painter(enabled: boolean): Paint {
  return enabled
    ? (style, text) => (text ? styleText(style, text, { validateStream: false }) : text)
    : (_style, text) => text;
}

/** Key status, key health and file outcome words, each with the colour an operator expects. */
const WORD_STYLES: Record<string, Style> = {
  Active: 'green',
  OK: 'green',
  ok: 'green',
  cached: 'cyan',
  WARNING: 'yellow',
  Disabled: 'yellow',
  blank: 'yellow',
  retiring: 'yellow',
  skipped: 'dim',
  Expired: 'red',
  Exceeded: 'red',
  Invalid: 'red',
  EXPIRED: 'red',
  EXCEEDED: 'red',
  DISABLED: 'yellow',
  INVALID: 'red',
  failed: 'red',
  ERROR: 'red',
  CRITICAL: ['bold', 'red'],
  DEBUG: 'dim',
};

/** Colours a status-like cell by its word (e.g. "Active", "failed"); other text stays plain. */
export function paintWord(paint: Paint, text: string): string {
  const style = WORD_STYLES[text.trim()];
  return style ? paint(style, text) : text;
}
