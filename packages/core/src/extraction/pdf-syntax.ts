/**
 * A PDF object parser for counting, not rendering: it tokenises the way readers do (all six
 * whitespace bytes, comments, `#xx` name escapes, nested strings) and keeps only what page
 * counting needs: the values of a few keys, and the dictionaries nested anywhere. Everything else
 * is skipped without allocating. Every byte it reads is charged to a shared work budget, so no
 * input can make it run longer than the caller allowed.
 */

export interface PdfName {
  kind: 'name';
  value: string;
}
export interface PdfRef {
  kind: 'ref';
  num: number;
}
/** Strings, keywords and skipped values: nothing here reads their content. */
export interface PdfOpaque {
  kind: 'opaque';
  value: string;
}
export type PdfDict = Map<string, PdfValue>;
export type PdfValue = number | boolean | null | PdfName | PdfRef | PdfOpaque | PdfValue[] | PdfDict;

/** Keys whose values are kept: what the page tree, object streams and encryption are made of. */
const KEPT_KEYS = new Set([
  'Type',
  'Kids',
  'Count',
  'Pages',
  'Linearized',
  'N',
  'First',
  'Length',
  'Filter',
  'DecodeParms',
  'DP',
  'Predictor',
  'Colors',
  'BitsPerComponent',
  'Columns',
  'EarlyChange',
]);
/** Names recognised without allocating: kept keys and the values compared against. */
const VOCABULARY = [
  ...KEPT_KEYS,
  'Page',
  'ObjStm',
  'XRef',
  'Catalog',
  'Encrypt',
  'FlateDecode',
  'Fl',
  'ASCIIHexDecode',
  'AHx',
  'ASCII85Decode',
  'A85',
  'LZWDecode',
  'LZW',
  'RunLengthDecode',
  'RL',
];

/** NUL, TAB, LF, FF, CR, SPACE (ISO 32000-1, 7.2.2). */
const WHITE = new Uint8Array(256);
for (const c of [0x00, 0x09, 0x0a, 0x0c, 0x0d, 0x20]) WHITE[c] = 1;
const DELIMITER = new Uint8Array(256);
for (const c of '()<>[]{}/%') DELIMITER[c.charCodeAt(0)] = 1;

export const isWhite = (c: number | undefined): boolean => c !== undefined && WHITE[c] === 1;
export const isDelimiter = (c: number | undefined): boolean => c !== undefined && DELIMITER[c] === 1;

/** Thrown when a parse would pass its budget or nesting bound; the caller refuses the file. */
export class PdfLimitError extends Error {
  constructor(readonly limit: 'work' | 'depth') {
    super(limit === 'work' ? 'parse work budget exhausted' : 'objects nested too deeply');
    this.name = 'PdfLimitError';
  }
}

export interface ParseBudget {
  /** Bytes the tokenizer may still read, across every parse sharing this budget. */
  remaining: number;
}

/** Deeper than any real document; readers stop far earlier (pdfium at 64). */
const MAX_DEPTH = 128;

const opaque = (value: string): PdfOpaque => ({ kind: 'opaque', value });
const OPEN_DICT = opaque('<<');
const CLOSE_DICT = opaque('>>');
const OPEN_ARRAY = opaque('[');
const CLOSE_ARRAY = opaque(']');
const SKIPPED = opaque('');
const KEYWORDS = new Map(
  ['obj', 'endobj', 'stream', 'endstream', 'xref', 'trailer', 'startxref', 'R'].map((k) => [k, opaque(k)]),
);
/** Keywords that end an object: a container left open stops here, as readers stop. */
const TERMINATORS = new Set(['obj', 'endobj', 'stream', 'endstream', 'xref', 'trailer', 'startxref']);

const WORDS_BY_LENGTH: Array<Array<[Uint8Array, PdfValue]>> = [];
for (const [word, value] of [...KEYWORDS, ['true', true], ['false', false], ['null', null]] as Array<
  [string, PdfValue]
>) {
  const bucket = WORDS_BY_LENGTH[word.length] ?? [];
  bucket.push([Buffer.from(word, 'latin1'), value]);
  WORDS_BY_LENGTH[word.length] = bucket;
}

const NAMES = new Map(VOCABULARY.map((v) => [v, { kind: 'name', value: v } as PdfName]));
const BY_LENGTH: Array<Array<[Uint8Array, PdfName]>> = [];
for (const [value, name] of NAMES) {
  const bucket = BY_LENGTH[value.length] ?? [];
  bucket.push([Buffer.from(value, 'latin1'), name]);
  BY_LENGTH[value.length] = bucket;
}

export class PdfParser {
  pos = 0;
  constructor(
    readonly bytes: Uint8Array,
    readonly budget: ParseBudget,
  ) {}

  /** Skips whitespace and comments (a comment runs to the end of its line). */
  skipSpace(): void {
    const b = this.bytes;
    let i = this.pos;
    while (i < b.length) {
      const c = b[i]!;
      if (WHITE[c] === 1) i += 1;
      else if (c === 0x25) {
        while (i < b.length && b[i] !== 0x0a && b[i] !== 0x0d) i += 1;
      } else break;
    }
    this.charge(i - this.pos);
    this.pos = i;
  }

  /**
   * One value at `pos` (`n g R` is one value), or undefined at the end of the data. With
   * `keep` false only the dictionaries inside survive (arrays hold just those).
   */
  parseValue(keep = true, depth = 0): PdfValue | undefined {
    if (depth > MAX_DEPTH) throw new PdfLimitError('depth');
    const token = this.nextToken(keep);
    if (token === undefined) return undefined;
    if (token === OPEN_DICT) return this.parseDict(depth);
    if (token === OPEN_ARRAY) return this.parseArray(keep, depth);
    if (keep && typeof token === 'number' && Number.isInteger(token) && token >= 0) {
      const save = this.pos;
      const gen = this.nextToken(true);
      if (
        typeof gen === 'number' &&
        Number.isInteger(gen) &&
        gen >= 0 &&
        this.nextToken(true) === KEYWORDS.get('R')
      ) {
        return { kind: 'ref', num: token };
      }
      this.pos = save;
    }
    return token;
  }

  private parseDict(depth: number): PdfDict {
    const dict: PdfDict = new Map();
    for (;;) {
      const save = this.pos;
      const key = this.nextToken(false);
      if (key === undefined || key === CLOSE_DICT) return dict;
      if (isTerminator(key)) {
        this.pos = save;
        return dict;
      }
      if (!isName(key)) continue; // not a key: skipped, as lenient readers do
      const kept = KEPT_KEYS.has(key.value);
      const valueAt = this.pos;
      const value = this.parseValue(kept, depth + 1);
      if (value === undefined) return dict;
      if (value === CLOSE_DICT || isTerminator(value)) {
        this.pos = valueAt;
        continue;
      }
      if (kept) {
        // A repeated /Type cannot hide a page: the page reading wins.
        if (key.value !== 'Type' || !isName(dict.get('Type'), 'Page')) dict.set(key.value, value);
      } else if (value instanceof Map || (Array.isArray(value) && value.length > 0)) {
        // Only the dictionaries inside are kept, each under a key of its own.
        dict.set(`\u0000${dict.size}`, value);
      }
    }
  }

  private parseArray(keep: boolean, depth: number): PdfValue[] {
    const items: PdfValue[] = [];
    for (;;) {
      const save = this.pos;
      const value = this.parseValue(keep, depth + 1);
      if (value === undefined || value === CLOSE_ARRAY) return items;
      if (value === CLOSE_DICT || isTerminator(value)) {
        this.pos = save;
        return items;
      }
      if (keep || value instanceof Map || (Array.isArray(value) && value.length > 0)) items.push(value);
    }
  }

  /** The next token; delimiters and keywords come back as shared objects, numbers only when kept. */
  nextToken(keep = true): PdfValue | undefined {
    this.skipSpace();
    const b = this.bytes;
    const start = this.pos;
    if (start >= b.length) return undefined;
    const c = b[start]!;
    let token: PdfValue;
    let end: number;
    if (c === 0x2f) {
      end = start + 1;
      while (end < b.length && WHITE[b[end]!] !== 1 && DELIMITER[b[end]!] !== 1) end += 1;
      token = nameAt(b, start + 1, end, keep);
    } else if (c === 0x3c) {
      if (b[start + 1] === 0x3c) {
        end = start + 2;
        token = OPEN_DICT;
      } else {
        end = b.indexOf(0x3e, start);
        end = end < 0 ? b.length : end + 1;
        token = SKIPPED;
      }
    } else if (c === 0x3e) {
      end = b[start + 1] === 0x3e ? start + 2 : start + 1;
      token = CLOSE_DICT;
    } else if (c === 0x5b) {
      end = start + 1;
      token = OPEN_ARRAY;
    } else if (c === 0x5d) {
      end = start + 1;
      token = CLOSE_ARRAY;
    } else if (c === 0x28) {
      end = skipLiteralString(b, start);
      token = SKIPPED;
    } else if (c === 0x7b || c === 0x7d || c === 0x29 || c === 0x25) {
      end = start + 1;
      token = SKIPPED;
    } else {
      end = start + 1;
      while (end < b.length && WHITE[b[end]!] !== 1 && DELIMITER[b[end]!] !== 1) end += 1;
      token = regularToken(b, start, end, keep);
    }
    this.charge(end - start);
    this.pos = end;
    return token;
  }

  private charge(bytes: number): void {
    this.budget.remaining -= bytes + 1;
    if (this.budget.remaining < 0) throw new PdfLimitError('work');
  }
}

function skipLiteralString(b: Uint8Array, start: number): number {
  let depth = 0;
  let i = start;
  while (i < b.length) {
    const c = b[i]!;
    if (c === 0x5c) i += 2;
    else {
      if (c === 0x28) depth += 1;
      else if (c === 0x29 && --depth === 0) return i + 1;
      i += 1;
    }
  }
  return b.length;
}

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)$/;

function regularToken(b: Uint8Array, start: number, end: number, keep: boolean): PdfValue {
  const first = b[start]!;
  const length = end - start;
  // Keywords that matter are short and start with a letter; everything else a number or junk.
  if ((first >= 0x61 && first <= 0x7a) || first === 0x52) {
    for (const [bytes, value] of WORDS_BY_LENGTH[length] ?? []) {
      let same = true;
      for (let i = 0; i < length && same; i++) same = b[start + i] === bytes[i];
      if (same) return value;
    }
    return SKIPPED;
  }
  if (!keep) return SKIPPED;
  let value = 0;
  for (let i = start; i < end; i++) {
    const c = b[i]!;
    if (c < 0x30 || c > 0x39) {
      const text = latin1(b, start, end);
      return NUMBER.test(text) ? Number(text) : SKIPPED;
    }
    value = value * 10 + (c - 0x30);
  }
  return value;
}

const latin1 = (b: Uint8Array, start: number, end: number) =>
  Buffer.from(b.buffer, b.byteOffset + start, end - start).toString('latin1');

const hex = (c: number | undefined) =>
  c === undefined
    ? -1
    : c >= 0x30 && c <= 0x39
      ? c - 0x30
      : c >= 0x41 && c <= 0x46
        ? c - 0x37
        : c >= 0x61 && c <= 0x66
          ? c - 0x57
          : -1;

/**
 * A name, `#xx` escapes decoded (`/P#61ge` is `/Page`: readers decode it, so counting must too).
 * Known names come back shared; others are allocated only when kept.
 */
function nameAt(b: Uint8Array, start: number, end: number, keep: boolean): PdfName {
  const length = end - start;
  let escaped = false;
  for (let i = start; i < end && !escaped; i++) escaped = b[i] === 0x23;
  if (!escaped) {
    for (const [bytes, name] of BY_LENGTH[length] ?? []) {
      let same = true;
      for (let i = 0; i < length && same; i++) same = b[start + i] === bytes[i];
      if (same) return name;
    }
    return keep || length === 0 ? { kind: 'name', value: latin1(b, start, end) } : OTHER_NAME;
  }
  let out = '';
  for (let i = start; i < end; i++) {
    const c = b[i]!;
    const high = c === 0x23 && i + 2 < end ? hex(b[i + 1]) : -1;
    const low = high >= 0 ? hex(b[i + 2]) : -1;
    if (low >= 0) {
      out += String.fromCharCode(high * 16 + low);
      i += 2;
    } else out += String.fromCharCode(c);
  }
  return NAMES.get(out) ?? (keep ? { kind: 'name', value: out } : OTHER_NAME);
}

const OTHER_NAME: PdfName = { kind: 'name', value: '\u0000other' };

// Arrays and Maps have no `kind`: one property read tells the leaf values apart.
const kindOf = (v: PdfValue | undefined): string | undefined =>
  typeof v === 'object' && v !== null ? (v as { kind?: string }).kind : undefined;

export const isName = (v: PdfValue | undefined, value?: string): v is PdfName =>
  kindOf(v) === 'name' && (value === undefined || (v as PdfName).value === value);
export const isRef = (v: PdfValue | undefined): v is PdfRef => kindOf(v) === 'ref';
export const isDict = (v: PdfValue | undefined): v is PdfDict => v instanceof Map;
export const isKeyword = (v: PdfValue | undefined, value: string): boolean =>
  kindOf(v) === 'opaque' && (v as PdfOpaque).value === value;
const isTerminator = (v: PdfValue | undefined): boolean =>
  kindOf(v) === 'opaque' && TERMINATORS.has((v as PdfOpaque).value);
