import { inflateSync } from 'node:zlib';

/** The emulator bills what a reader would render, so a document cannot talk it into less. */
const MAX_INFLATE = 64 * 1024 * 1024;
const HEADER = /(\d+)[\0\t\n\f\r ]+\d+[\0\t\n\f\r ]+obj(?![A-Za-z0-9])/g;

interface Definition {
  at: number;
  page: boolean;
  /** Object numbers in its /Kids, when it is a page-tree node. */
  kids: number[] | undefined;
}

/**
 * Pages of a PDF as a reader sees them: page objects (`/Type /Page`, however written: any of
 * the six whitespace bytes, comments, `#xx` escapes), including those inside object streams,
 * with the last definition of each object number winning, as incremental updates work; or the
 * leaves of the page tree (kids without /Kids of their own, as pdfium counts them), when that is
 * more. /Count is not trusted. At least 1, as Google bills even an unreadable document one page.
 */
export function pdfPageCount(pdf: Buffer): number {
  const text = pdf.toString('latin1');
  const latest = new Map<number, Definition>();
  const define = (num: number, def: Definition) => {
    const seen = latest.get(num);
    if (!seen || seen.at <= def.at) latest.set(num, def);
  };
  const headers = [...text.matchAll(HEADER)];
  for (const [i, m] of headers.entries()) {
    const start = m.index + m[0].length;
    const end = Math.min(headers[i + 1]?.index ?? text.length, endOf(text, start));
    const body = text.slice(start, end);
    const dict = normalise(body.split(/stream\r?\n/)[0]!);
    define(Number(m[1]), { at: m.index, ...read(dict) });
    if (/\/Type\s*\/ObjStm/.test(dict)) {
      for (const [num, object] of objectStream(pdf, text, start, dict))
        define(num, { at: m.index, ...read(object) });
    }
  }
  let typed = 0;
  let leaves = 0;
  for (const def of latest.values()) {
    if (def.page) typed += 1;
    for (const kid of def.kids ?? []) if (!latest.get(kid)?.kids) leaves += 1;
  }
  return Math.max(typed, leaves) || 1;
}

function read(dict: string): { page: boolean; kids: number[] | undefined } {
  const kids = /\/Kids\s*\[([^\]]*)\]/.exec(dict)?.[1];
  return {
    page: isPage(dict),
    kids: kids === undefined ? undefined : [...kids.matchAll(/(\d+)\s+\d+\s+R/g)].map((k) => Number(k[1])),
  };
}

function endOf(text: string, from: number): number {
  const end = text.indexOf('endobj', from);
  return end < 0 ? text.length : end;
}

/** Comments out, escapes decoded, every whitespace byte a space. */
function normalise(body: string): string {
  return body
    .replace(/%[^\r\n]*/g, ' ')
    .replace(/#([0-9A-Fa-f]{2})/g, (_, h: string) => String.fromCharCode(Number.parseInt(h, 16)))
    .replace(/[\0\t\n\f\r]/g, ' ');
}

const isPage = (dict: string) => /\/Type\s*\/Page(?![A-Za-z0-9])/.test(dict);

function* objectStream(pdf: Buffer, text: string, start: number, dict: string): Generator<[number, string]> {
  const streamAt = text.indexOf('stream', start);
  if (streamAt < 0) return;
  let dataStart = streamAt + 6;
  if (text[dataStart] === '\r') dataStart += 1;
  if (text[dataStart] === '\n') dataStart += 1;
  const dataEnd = text.indexOf('endstream', dataStart);
  let data: Buffer;
  try {
    let raw = pdf.subarray(dataStart, dataEnd < 0 ? pdf.length : dataEnd);
    if (/\/ASCIIHexDecode/.test(dict))
      raw = Buffer.from(raw.toString('latin1').replace(/[^0-9A-Fa-f]/g, ''), 'hex');
    data = /\/FlateDecode/.test(dict) ? inflateSync(raw, { maxOutputLength: MAX_INFLATE }) : raw;
  } catch {
    return;
  }
  const n = Number(/\/N\s+(\d+)/.exec(dict)?.[1] ?? 0);
  const first = Number(/\/First\s+(\d+)/.exec(dict)?.[1] ?? 0);
  const decoded = data.toString('latin1');
  const header = decoded
    .slice(0, first)
    .trim()
    .split(/[\0\t\n\f\r ]+/)
    .map(Number);
  const entries: Array<[number, number]> = [];
  for (let i = 0; i + 1 < header.length && entries.length < n; i += 2)
    entries.push([header[i]!, header[i + 1]!]);
  // Each object runs to the next offset (sorted), or to the end of the stream.
  const sorted = [...new Set(entries.map(([, offset]) => first + offset))].sort((a, b) => a - b);
  const next = new Map(sorted.map((o, i) => [o, sorted[i + 1] ?? decoded.length]));
  for (const [num, offset] of entries) {
    const from = first + offset;
    yield [num, normalise(decoded.slice(from, next.get(from)))];
  }
}
