import { isDict, isName, isRef, type PdfDict, type PdfValue } from './pdf-syntax.ts';

type Kid = { ref: number } | { node: TreeNode } | 'leaf' | 'none';
interface TreeNode {
  count: PdfValue | undefined;
  kids: Kid[] | { ref: number };
}

/** Above any limit a deployment can set: a count this large is reported as "at least". */
export const PAGE_COUNT_CAP = 1_000_000_000;
const MAX_TREE_DEPTH = 2048;

export interface PageEvidence {
  /** Page dictionaries (`/Type /Page`), one definition per object number. */
  typed: number;
  /** The largest page tree a reader could walk: `/Count` or the leaves, whichever is larger at each node. */
  tree: number;
  /** The page count a linearized file announces. */
  linearized: number;
}

/**
 * What every object definition found says about pages, kept small: object numbers, kid lists and
 * counts, never whole objects. An object defined twice (an incremental update, or a copy in an
 * object stream) counts once, at its larger reading.
 */
export class PageFacts {
  private readonly typedByObject = new Map<number, number>();
  private typedAnonymous = 0;
  private readonly nodes = new Map<number, TreeNode[]>();
  private readonly arrays = new Map<number, Kid[][]>();
  private readonly roots: Kid[] = [];
  private readonly ints = new Map<number, number>();
  /** Names, and the small arrays and dicts a stream's /Filter or /DecodeParms may point to. */
  readonly smallValues = new Map<number, PdfValue>();
  private linearized = 0;
  definitions = 0;

  add(objectNumber: number | undefined, value: PdfValue): void {
    this.definitions += 1;
    const typed = this.visit(value, 0);
    if (objectNumber === undefined) {
      this.typedAnonymous += typed;
      return;
    }
    if (typed > 0)
      this.typedByObject.set(objectNumber, Math.max(typed, this.typedByObject.get(objectNumber) ?? 0));
    if (typeof value === 'number') {
      this.ints.set(objectNumber, Math.max(value, this.ints.get(objectNumber) ?? -Infinity));
      this.smallValues.set(objectNumber, value);
    } else if (isDict(value) && value.has('Kids')) {
      push(this.nodes, objectNumber, toNode(value));
    } else if (Array.isArray(value)) {
      const kids = toKids(value);
      if (kids.some((k) => k !== 'none')) push(this.arrays, objectNumber, kids);
      if (value.length <= 16 && value.every((v) => isName(v) || isDict(v) || v === null))
        this.smallValues.set(objectNumber, value);
    } else if (isName(value) || (isDict(value) && value.size <= 8 && [...value.values()].every(isScalar))) {
      // What a stream's /Filter or /DecodeParms may point to; nothing larger is kept.
      this.smallValues.set(objectNumber, value);
    }
  }

  /** An integer object's value (the largest, when defined more than once). */
  intOf(objectNumber: number): number | undefined {
    return this.ints.get(objectNumber);
  }

  /** Counts page dictionaries in a value and records roots found on the way. */
  private visit(value: PdfValue, depth: number): number {
    if (Array.isArray(value)) {
      let n = 0;
      for (const item of value)
        if (typeof item === 'object' && item !== null) n += this.visit(item, depth + 1);
      return n;
    }
    if (!isDict(value)) return 0;
    const type = value.get('Type');
    // An indirect /Type cannot be resolved in one pass; it counts, which can only over-count.
    let n = isName(type, 'Page') || isRef(type) ? 1 : 0;
    if (isName(type, 'Pages')) this.roots.push({ node: toNode(value) });
    const pages = value.get('Pages');
    if (pages !== undefined) this.roots.push(toKid(pages));
    if (value.has('Linearized')) {
      const count = value.get('N');
      if (typeof count === 'number' && count > 0)
        this.linearized = Math.max(this.linearized, Math.trunc(count));
    }
    for (const item of value.values())
      if (typeof item === 'object' && item !== null) n += this.visit(item, depth + 1);
    return n;
  }

  /** The page count no reader can exceed on this file, with what each reading found. */
  evidence(): PageEvidence {
    let typed = this.typedAnonymous;
    for (const n of this.typedByObject.values()) typed = Math.min(PAGE_COUNT_CAP, typed + n);
    const memo = new Map<number, number>();
    const arrayMemo = new Map<number, number>();
    const busy = new Set<number>();
    let depth = 0;
    const count = (c: PdfValue | undefined): number => {
      const v = isRef(c) ? this.ints.get(c.num) : c;
      return typeof v === 'number' && v > 0 ? Math.min(PAGE_COUNT_CAP, Math.trunc(v)) : 0;
    };
    const sumKids = (kids: Kid[]): number => {
      let sum = 0;
      for (const kid of kids) sum = Math.min(PAGE_COUNT_CAP, sum + ofKid(kid));
      return sum;
    };
    const ofNode = (node: TreeNode): number => {
      if (++depth > MAX_TREE_DEPTH) throw new RangeError('page tree nested too deeply');
      let leaves: number;
      if (Array.isArray(node.kids)) leaves = sumKids(node.kids);
      else {
        const at = node.kids.ref;
        leaves = arrayMemo.get(at) ?? -1;
        if (leaves < 0) {
          leaves = 0;
          arrayMemo.set(at, 0); // a /Kids array that reaches itself adds nothing
          for (const kids of this.arrays.get(at) ?? []) leaves = Math.max(leaves, sumKids(kids));
          arrayMemo.set(at, leaves);
        }
      }
      depth -= 1;
      // pdfium trusts a node's /Count, pdf.js and MuPDF the root's, others walk: take the larger.
      return Math.max(count(node.count), leaves);
    };
    const ofRef = (num: number): number => {
      const known = memo.get(num);
      if (known !== undefined) return known;
      const defs = this.nodes.get(num);
      // Anything that is not a page-tree node is at most one page, even a missing object.
      if (!defs) return 1;
      if (busy.has(num)) return 0; // a cycle: readers skip it
      busy.add(num);
      let best = 0;
      for (const def of defs) best = Math.max(best, ofNode(def));
      busy.delete(num);
      memo.set(num, best);
      return best;
    };
    const ofKid = (kid: Kid): number =>
      kid === 'leaf' ? 1 : kid === 'none' ? 0 : 'ref' in kid ? ofRef(kid.ref) : ofNode(kid.node);
    let tree = 0;
    for (const root of this.roots) tree = Math.max(tree, ofKid(root));
    return { typed, tree, linearized: this.linearized };
  }
}

const isScalar = (v: PdfValue) => typeof v === 'number' || typeof v === 'boolean' || v === null;

function push<T>(map: Map<number, T[]>, key: number, value: T): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

function toNode(dict: PdfDict): TreeNode {
  const kids = dict.get('Kids');
  return {
    count: dict.get('Count'),
    kids: isRef(kids) ? { ref: kids.num } : Array.isArray(kids) ? toKids(kids) : [],
  };
}

function toKids(items: PdfValue[]): Kid[] {
  return items.map(toKid);
}

function toKid(value: PdfValue): Kid {
  if (isRef(value)) return { ref: value.num };
  if (isDict(value)) return value.has('Kids') ? { node: toNode(value) } : 'leaf';
  return 'none';
}
