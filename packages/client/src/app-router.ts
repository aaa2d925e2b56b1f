/**
 * The gateway's router type. In the workspace it is the server's own source type; the build
 * writes dist/app-router.d.ts as a self-contained copy of it (scripts/build-router-types.ts),
 * so the packed client needs no `@invoicegw/server`.
 */
import type { AppRouter } from '@invoicegw/server/router';

export type { AppRouter };

/** Every stable error code the gateway answers with (apps/server/src/errors/error-table.ts). */
export type AppErrorCode = AppRouter['_def']['_config']['$types']['errorShape']['data']['appCode'];
