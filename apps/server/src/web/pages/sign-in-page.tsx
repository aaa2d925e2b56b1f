/** @jsxRuntime automatic @jsxImportSource hono/jsx */
import { Alert, Notice } from '../components/messages.tsx';

export interface SignInProps {
  /** Where to go after signing in (a /ui path). */
  next?: string | undefined;
  operator?: string | undefined;
  error?: string | undefined;
  notice?: string | undefined;
}

/** The admin key (never shown again, never echoed back) and the name the audit trail records. */
export function SignInPage({ next, operator, error, notice }: SignInProps) {
  return (
    <section class="card signin">
      <h1>Sign in</h1>
      <Notice text={notice} />
      <Alert text={error} />
      <form method="post" action="/ui/sign-in">
        {next ? <input type="hidden" name="next" value={next} /> : null}
        <label for="admin-key">Admin key</label>
        <input
          id="admin-key"
          name="adminKey"
          type="password"
          autocomplete="current-password"
          required
          autofocus
        />
        <label for="operator">
          Operator name <span class="hint">(recorded in the audit trail; default “dashboard”)</span>
        </label>
        <input
          id="operator"
          name="operator"
          type="text"
          maxlength={200}
          autocomplete="username"
          value={operator ?? ''}
          placeholder="dashboard"
        />
        <button type="submit">Sign in</button>
      </form>
      <p class="muted">
        The admin key is <code>ADMIN_API_KEY</code>, or in development the key printed at first start and kept
        in <code>DATA_DIR/admin.key</code>.
      </p>
    </section>
  );
}
