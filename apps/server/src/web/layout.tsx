/** @jsxRuntime automatic @jsxImportSource hono/jsx */
// (Also here, not only in tsconfig: `pnpm start` runs tsx from the root, which reads no tsconfig of ours.)
import type { Child } from 'hono/jsx';
import { jsxRenderer } from 'hono/jsx-renderer';
import type { AppEnv } from '../app-env.ts';

export type Area = 'keys' | 'usage' | 'errors' | 'logs' | 'audit' | 'cache' | 'alerts';

export interface PageProps {
  title: string;
  /** The nav entry to mark as current. */
  area?: Area;
  /** The one script a page may load (from /ui/assets). */
  script?: 'log-tail';
  /** Without JavaScript, reload the page this often (the log tail's fallback). */
  refreshSeconds?: number;
}

declare module 'hono' {
  interface ContextRenderer {
    // biome-ignore lint/style/useShorthandFunctionType: only an interface merges with Hono's ContextRenderer
    (content: string | Promise<string>, props: PageProps): Response | Promise<Response>;
  }
}

const NAV: Array<[Area, string, string]> = [
  ['keys', 'Keys', '/ui'],
  ['usage', 'Usage', '/ui/usage'],
  ['errors', 'Errors', '/ui/errors'],
  ['logs', 'Log tail', '/ui/logs'],
  ['audit', 'Audit trail', '/ui/audit'],
  ['cache', 'Cache', '/ui/cache'],
  ['alerts', 'Alerts', '/ui/alerts'],
];

/** Every dashboard page: header, navigation, the signed-in operator and sign-out. */
export const layout = jsxRenderer<AppEnv>(({ children, title, area, script, refreshSeconds }, c) => {
  const auth = c.get('auth');
  const actor = auth?.kind === 'admin' ? auth.actor : undefined;
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="referrer" content="no-referrer" />
        <title>{`${title} · Invoice gateway`}</title>
        <link rel="icon" href="data:," />
        <link rel="stylesheet" href="/ui/assets/dashboard.css" />
        {script ? <script src={`/ui/assets/${script}.js`} defer /> : null}
        {refreshSeconds ? (
          <noscript>
            <meta http-equiv="refresh" content={String(refreshSeconds)} />
          </noscript>
        ) : null}
      </head>
      <body>
        <a class="skip" href="#main">
          Skip to content
        </a>
        <header class="top">
          <a class="brand" href="/ui">
            Invoice gateway
          </a>
          {actor === undefined ? null : (
            <>
              <nav aria-label="Dashboard">
                <ul>
                  {NAV.map(([id, label, href]) => (
                    <li>
                      <a href={href} aria-current={id === area ? 'page' : undefined}>
                        {label}
                      </a>
                    </li>
                  ))}
                </ul>
              </nav>
              <form class="who" method="post" action="/ui/sign-out">
                <span>
                  Signed in as <strong>{actor}</strong>
                </span>
                <button type="submit">Sign out</button>
              </form>
            </>
          )}
        </header>
        <main id="main">{children as Child}</main>
      </body>
    </html>
  );
});
