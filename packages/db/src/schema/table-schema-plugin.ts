import {
  IdentifierNode,
  type KyselyPlugin,
  OperationNodeTransformer,
  type PluginTransformQueryArgs,
  type PluginTransformResultArgs,
  type QueryResult,
  type RootOperationNode,
  type SchemableIdentifierNode,
  type UnknownRow,
} from 'kysely';
import type { SchemaNames } from '../config/database-config.ts';
import { type TableName, TOKEN_TABLES } from './database.ts';

const TOKEN_TABLE_SET: ReadonlySet<string> = new Set(TOKEN_TABLES);

/** The SQL Server schema a table or view lives in. */
export function schemaOf(name: TableName, schemas: SchemaNames): string {
  return TOKEN_TABLE_SET.has(name) ? schemas.tokenSchema : schemas.schema;
}

class TableSchemaTransformer extends OperationNodeTransformer {
  readonly #known: ReadonlyMap<string, string>;

  constructor(known: ReadonlyMap<string, string>) {
    super();
    this.#known = known;
  }

  protected override transformSchemableIdentifier(node: SchemableIdentifierNode): SchemableIdentifierNode {
    const transformed = super.transformSchemableIdentifier(node);
    const schema = this.#known.get(transformed.identifier.name);
    if (transformed.schema || schema === undefined) return transformed;
    return { ...transformed, schema: IdentifierNode.create(schema) };
  }
}

/**
 * Qualifies every known table and view with its schema, so queries are written once and run
 * with the token tables in `docUpload` (old layout) or anywhere else the operator chose.
 * Kysely's WithSchemaPlugin cannot do this: it puts every table in one schema.
 */
export class TableSchemaPlugin implements KyselyPlugin {
  readonly #transformer: TableSchemaTransformer;

  constructor(schemas: SchemaNames, names: readonly TableName[]) {
    this.#transformer = new TableSchemaTransformer(new Map(names.map((n) => [n, schemaOf(n, schemas)])));
  }

  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    return this.#transformer.transformNode(args.node);
  }

  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    return args.result;
  }
}
