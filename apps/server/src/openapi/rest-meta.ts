import type { AnyTRPCProcedure } from '@trpc/server';
import { z } from 'zod';
import type { AppErrorCode } from '../errors/error-table.ts';

export const REST_TAGS = ['extraction', 'tokens', 'monitoring', 'clients', 'alerts', 'maintenance'] as const;

/** Where a procedure is served as REST under /v1, and what the OpenAPI document says about it. */
export interface RestMeta {
  method: 'get' | 'post' | 'delete';
  /** An OpenAPI path template; each `{name}` is a field of the procedure's input. */
  path: `/v1/${string}`;
  summary: string;
  description?: string;
  tag: (typeof REST_TAGS)[number];
  /** `admin`: the admin key only (401 without it, 403 with a client key). `public`: no key. */
  auth: 'admin' | 'public';
  /**
   * The codes the operation itself raises. Those every route of its kind can raise (400 for
   * its input, 401/403 for admin, 413 for a body, 500, 503 for the database) are added.
   */
  errors?: readonly AppErrorCode[];
}

/** What `.meta()` carries on a procedure. */
export interface ProcedureMeta {
  rest?: RestMeta;
}

/** `.meta(rest({...}))` on a procedure: one place names its route, and a typo does not compile. */
export const rest = (meta: RestMeta): ProcedureMeta => ({ rest: meta });

export interface RestOperation {
  /** The procedure's path in the router (`tokens.rotate`): the operationId. */
  name: string;
  type: 'query' | 'mutation';
  procedure: AnyTRPCProcedure;
  meta: RestMeta;
  input: z.ZodType | undefined;
  output: z.ZodType | undefined;
}

const isProcedure = (value: unknown): value is AnyTRPCProcedure =>
  typeof value === 'function' && (value as { _def?: { procedure?: unknown } })._def?.procedure === true;

/** Every procedure of a router that has REST metadata, in the router's order, with its zod schemas. */
export function restOperations(router: { _def: { procedures: object } }): RestOperation[] {
  // The router's flat `procedures` map (`'tokens.rotate' → procedure`), typed by tRPC as the nested record.
  return Object.entries(router._def.procedures).flatMap(([name, procedure]): RestOperation[] => {
    if (!isProcedure(procedure)) return [];
    const meta = (procedure._def.meta as ProcedureMeta | undefined)?.rest;
    const type = procedure._def.type;
    if (!meta || type === 'subscription') return [];
    const [input] = procedure._def.inputs;
    // tRPC keeps the `.output()` validator on the definition without typing it.
    const output = (procedure._def as { output?: unknown }).output;
    return [
      {
        name,
        type,
        procedure,
        meta,
        input: input instanceof z.ZodType ? input : undefined,
        output: output instanceof z.ZodType ? output : undefined,
      },
    ];
  });
}
