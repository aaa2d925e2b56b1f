/** @jsxRuntime automatic @jsxImportSource hono/jsx */
import { Alert } from '../components/messages.tsx';

/** A refused or failed request, in the error table's words. */
export function ErrorPage({ heading, message }: { heading: string; message: string }) {
  return (
    <>
      <h1>{heading}</h1>
      <Alert text={message} />
      <p>
        <a href="/ui">Back to the keys</a>
      </p>
    </>
  );
}
