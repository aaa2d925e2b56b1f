import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Hono } from 'hono';
import { html } from 'hono/html';
import type { AppEnv } from '../app-env.ts';

/** The files of swagger-ui-dist the page loads, served from node_modules: /docs works offline. */
const ASSETS = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
  'favicon-32x32.png': 'image/png',
  'favicon-16x16.png': 'image/png',
} as const satisfies Record<string, string>;

type Asset = keyof typeof ASSETS;
const isAsset = (name: string): name is Asset => Object.hasOwn(ASSETS, name);

export const DOCS_ASSET_PATH = '/docs/assets';

const swaggerUiDir = () => dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));

/**
 * Swagger UI's start: the document from this server, no call to the public validator (its
 * default), "Try it out" against this server.
 */
const INIT_SCRIPT = `window.addEventListener('load', function () {
  window.ui = SwaggerUIBundle({
    url: '/openapi.json',
    dom_id: '#swagger-ui',
    deepLinking: true,
    validatorUrl: null,
    displayRequestDuration: true,
    docExpansion: 'list',
    defaultModelsExpandDepth: 0,
  });
});
`;

type Operation = { summary?: unknown };

/** `/openapi.json`, and at `/docs` an interactive reference (Swagger UI) with a plain list for readers without script. */
export function docsRoutes(doc: Record<string, unknown>): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const cache = new Map<Asset, Uint8Array<ArrayBuffer>>();
  const info = doc.info as { title: string; version: string };
  const operations = Object.entries(doc.paths as Record<string, Record<string, Operation>>).flatMap(
    ([path, ops]) =>
      Object.entries(ops).map(([method, op]) => ({
        method: method.toUpperCase(),
        path,
        summary: String(op.summary ?? ''),
      })),
  );
  const page = html`<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>${info.title} ${info.version}</title>
    <link rel="icon" type="image/png" href="${DOCS_ASSET_PATH}/favicon-32x32.png" />
    <link rel="stylesheet" href="${DOCS_ASSET_PATH}/swagger-ui.css" />
  </head>
  <body>
    <div id="swagger-ui"></div>
    <noscript>
      <h1>${info.title}</h1>
      <p>OpenAPI 3.1: <a href="/openapi.json">/openapi.json</a>.</p>
      <ul>
        ${operations.map((o) => html`<li><code>${o.method} ${o.path}</code>: ${o.summary}</li>`)}
      </ul>
    </noscript>
    <script src="${DOCS_ASSET_PATH}/swagger-ui-bundle.js"></script>
    <script src="/docs/init.js"></script>
  </body>
</html>`;

  app.get('/openapi.json', (c) => c.json(doc));
  app.get('/docs', (c) => c.html(page));
  app.get('/docs/init.js', (c) =>
    c.body(INIT_SCRIPT, 200, { 'content-type': 'text/javascript; charset=utf-8' }),
  );
  app.get(`${DOCS_ASSET_PATH}/:name`, async (c) => {
    const name = c.req.param('name');
    if (!isAsset(name)) return c.notFound();
    let bytes = cache.get(name);
    if (!bytes) {
      bytes = new Uint8Array(await readFile(join(swaggerUiDir(), name)));
      cache.set(name, bytes);
    }
    return c.body(bytes, 200, {
      'content-type': ASSETS[name],
      'cache-control': 'public, max-age=86400',
    });
  });
  return app;
}
