import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

/**
 * Writes dist/app-router.d.ts: the gateway's AppRouter as one self-contained declaration that
 * imports nothing but `@trpc/server`, so the packed client carries its types without the server.
 *
 * In the workspace `src/app-router.ts` re-exports the router's type from `@invoicegw/server/router`
 * (source, always current). Outside it that package does not exist, so this script asks the
 * compiler for every procedure's kind, input and output, prints them as plain types, and then
 * proves (below) that the result compiles alone and matches the real router procedure by procedure.
 * The context and meta types are left out on purpose: a client never sees them.
 */
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const OUT = join(ROOT, 'dist', 'app-router.d.ts');

const COMPILER_OPTIONS: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  lib: ['lib.es2023.d.ts'],
  types: ['node'],
  strict: true,
  noEmit: true,
  skipLibCheck: true,
  allowImportingTsExtensions: true,
  jsx: ts.JsxEmit.ReactJSX,
  jsxImportSource: 'hono/jsx',
};

/** A program over one extra file, written in memory next to the package's own sources. */
function programWith(
  files: Record<string, string>,
  options = COMPILER_OPTIONS,
  oldProgram?: ts.Program,
): ts.Program {
  const host = ts.createCompilerHost(options, true);
  const read = host.readFile.bind(host);
  const exists = host.fileExists.bind(host);
  const getSourceFile = host.getSourceFile.bind(host);
  host.readFile = (f) => files[f] ?? read(f);
  host.fileExists = (f) => f in files || exists(f);
  host.getSourceFile = (f, lang, ...rest) =>
    f in files ? ts.createSourceFile(f, files[f]!, lang, true) : getSourceFile(f, lang, ...rest);
  return ts.createProgram({
    rootNames: Object.keys(files),
    options,
    host,
    ...(oldProgram ? { oldProgram } : {}),
  });
}

function fail(message: string): never {
  console.error(`build-router-types: ${message}`);
  process.exit(1);
}

function diagnosticsText(diagnostics: readonly ts.Diagnostic[]): string {
  return ts.formatDiagnostics(diagnostics, {
    getCanonicalFileName: (f) => f,
    getCurrentDirectory: () => ROOT,
    getNewLine: () => '\n',
  });
}

// 1. Read the real router's shape.
const probeFile = join(ROOT, 'src', '__router-probe.ts');
const probe = programWith({
  [probeFile]: [
    "import type { AppRouter } from '@invoicegw/server/router';",
    "export declare const record: AppRouter['_def']['record'];",
    "export declare const root: AppRouter['_def']['_config']['$types'];",
  ].join('\n'),
});
const checker = probe.getTypeChecker();
const probeSource = probe.getSourceFile(probeFile) ?? fail('probe file missing');
const probeErrors = ts.getPreEmitDiagnostics(probe, probeSource);
if (probeErrors.length > 0) fail(`the router's types do not compile:\n${diagnosticsText(probeErrors)}`);

const exported = checker.getExportsOfModule(
  checker.getSymbolAtLocation(probeSource) ?? fail('probe module has no symbol'),
);
const typeOf = (name: string): ts.Type => {
  const symbol = exported.find((s) => s.name === name) ?? fail(`probe has no ${name}`);
  return checker.getTypeOfSymbolAtLocation(symbol, probeSource);
};
const prop = (type: ts.Type, name: string): ts.Type | undefined => {
  const symbol = type.getProperty(name);
  return symbol && checker.getTypeOfSymbolAtLocation(symbol, probeSource);
};

const printer = ts.createPrinter({ newLine: ts.NewLineKind.LineFeed });
const FLAGS =
  ts.NodeBuilderFlags.NoTruncation |
  ts.NodeBuilderFlags.MultilineObjectLiterals |
  ts.NodeBuilderFlags.InTypeAlias |
  ts.NodeBuilderFlags.UseSingleQuotesForStringLiteralType |
  ts.NodeBuilderFlags.IgnoreErrors;
function print(type: ts.Type): string {
  const node = checker.typeToTypeNode(type, undefined, FLAGS) ?? fail('a type could not be printed');
  // The printer indents by four; the rest of the file by two.
  return printer
    .printNode(ts.EmitHint.Unspecified, node, probeSource)
    .replace(/^(?: {4})+/gm, (spaces) => '  '.repeat(spaces.length / 4));
}
const indent = (text: string, by: string) => text.replace(/\n/g, `\n${by}`);

// 2. The error codes, spelled out (the router names the server's AppErrorCode alias).
const root = typeOf('root');
const appCode = prop(
  prop(prop(root, 'errorShape') ?? fail('no errorShape'), 'data') ?? fail('no data'),
  'appCode',
);
if (!appCode?.isUnion()) fail('errorShape.data.appCode is not a union of codes');
const codes = appCode.types.map((t) =>
  t.isStringLiteral() ? t.value : fail('an error code is not a string'),
);
const errorShape = print(prop(root, 'errorShape')!);

// 3. Every procedure: its kind, input and output.
const KIND = {
  query: 'TRPCQueryProcedure',
  mutation: 'TRPCMutationProcedure',
  subscription: 'TRPCSubscriptionProcedure',
};
const procedures: string[] = [];
const kinds = new Set<string>();
function describeRecord(record: ts.Type, depth: number, path: string): string {
  const pad = '  '.repeat(depth);
  const lines = ['{'];
  for (const member of checker.getPropertiesOfType(record)) {
    const value = checker.getTypeOfSymbolAtLocation(member, probeSource);
    const def = prop(value, '_def');
    const kind = def && prop(def, 'type');
    if (def && kind?.isStringLiteral()) {
      const types = prop(def, '$types') ?? fail(`${path}${member.name} has no $types`);
      const generic =
        KIND[kind.value as keyof typeof KIND] ?? fail(`${path}${member.name}: kind ${kind.value}`);
      const input = print(prop(types, 'input') ?? fail(`${member.name} has no input`));
      const output = print(prop(types, 'output') ?? fail(`${member.name} has no output`));
      procedures.push(`${path}${member.name}`);
      kinds.add(generic);
      lines.push(
        `${pad}  ${member.name}: ${generic}<{`,
        `${pad}    input: ${indent(input, `${pad}    `)};`,
        `${pad}    output: ${indent(output, `${pad}    `)};`,
        `${pad}    meta: object;`,
        `${pad}    errorShape: ErrorShape;`,
        `${pad}  }>;`,
      );
    } else {
      lines.push(`${pad}  ${member.name}: ${describeRecord(value, depth + 1, `${path}${member.name}.`)};`);
    }
  }
  lines.push(`${pad}}`);
  return lines.join('\n');
}
const record = describeRecord(typeOf('record'), 0, '');
const transformer = print(prop(root, 'transformer') ?? fail('no transformer'));

const text = `// Generated by packages/client/scripts/build-router-types.ts from @invoicegw/server's AppRouter.
// Do not edit: \`pnpm --filter @invoicegw/client build\` writes it again.
import type { ${['TRPCBuiltRouter', ...[...kinds].sort()].join(', ')} } from '@trpc/server';

/** Every stable error code the gateway answers with (apps/server/src/errors/error-table.ts). */
export type AppErrorCode =
${codes.map((c) => `  | '${c}'`).join('\n')};

/** The shape of a failed call's error, as the gateway's error formatter sends it. */
export type ErrorShape = ${indent(errorShape, '')};

/** The gateway's tRPC router, as a client sees it: ${procedures.length} procedures. */
export type AppRouter = TRPCBuiltRouter<
  { ctx: object; meta: object; errorShape: ErrorShape; transformer: ${transformer} },
  ${indent(record, '  ')}
>;
`;
if (/\bimport\(|@invoicegw\//.test(text.split('\n').slice(2).join('\n')))
  fail('the generated file still refers to another module than @trpc/server');
mkdirSync(dirname(OUT), { recursive: true });
writeFileSync(OUT, text);

// 4. Proof: the file compiles alone (with nothing but @trpc/server and Node's types), and every
// procedure's input and output are the real router's, both ways.
const checkFile = join(ROOT, 'dist', '__router-check.ts');
const same = (what: string, p: string) => {
  const path = p
    .split('.')
    .map((s) => `['${s}']`)
    .join('');
  return `type _${what}_${p.replace(/\./g, '_')} = Same<${what}<Real>${path}, ${what}<Packed>${path}>;\nexport const ${what}_${p.replace(/\./g, '_')}: _${what}_${p.replace(/\./g, '_')} = true;`;
};
const check = programWith(
  {
    [checkFile]: [
      "import type { AppRouter as Real } from '@invoicegw/server/router';",
      "import type { inferRouterInputs, inferRouterOutputs } from '@trpc/server';",
      "import type { AppRouter as Packed } from './app-router.js';",
      'type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;',
      'type RouterInputs<R extends Real | Packed> = inferRouterInputs<R>;',
      'type RouterOutputs<R extends Real | Packed> = inferRouterOutputs<R>;',
      ...procedures.flatMap((p) => [same('RouterInputs', p), same('RouterOutputs', p)]),
    ].join('\n'),
  },
  COMPILER_OPTIONS,
  probe,
);
const checkErrors = ts.getPreEmitDiagnostics(check, check.getSourceFile(checkFile));
if (checkErrors.length > 0)
  fail(`the generated router differs from the real one:\n${diagnosticsText(checkErrors)}`);
const alone = programWith(
  { [OUT]: text },
  { ...COMPILER_OPTIONS, skipLibCheck: false, noUnusedLocals: true },
);
const aloneErrors = ts.getPreEmitDiagnostics(alone);
if (aloneErrors.length > 0)
  fail(`the generated file does not compile alone:\n${diagnosticsText(aloneErrors)}`);
console.info(
  `build-router-types: ${procedures.length} procedures, ${codes.length} error codes → dist/app-router.d.ts`,
);
