/** @jsxRuntime automatic @jsxImportSource hono/jsx */
/** A confirmation after an action (announced by screen readers). */
export function Notice({ text }: { text: string | undefined }) {
  return text ? (
    <p class="notice" role="status">
      {text}
    </p>
  ) : null;
}

/** What went wrong, in the error table's words (never a key: messages are redacted). */
export function Alert({ text }: { text: string | undefined }) {
  return text ? (
    <p class="alert" role="alert">
      {text}
    </p>
  ) : null;
}
