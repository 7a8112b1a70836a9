import type { ReactNode } from "react";
import { ApiError } from "../api/client";

export function Loading({ what = "Loading" }: { what?: string }) {
  return (
    <p className="state" role="status" aria-live="polite">
      {what}…
    </p>
  );
}

/** A field's message as pydantic words it, without its "Value error, " prefix. */
function fieldMessage(name: string, message: string): string {
  const text = message.replace(/^Value error, /, "");
  return name === "body" || text.includes(name) ? text : `${name.replace(/_/g, " ")}: ${text}`;
}

/** An error in words: the API's own message and its per-field messages, never its JSON. */
export function ErrorNote({ error, retry }: { error: unknown; retry?: () => void }) {
  const message =
    error instanceof ApiError
      ? error.message
      : "Something went wrong; please try again";
  const fields = error instanceof ApiError ? Object.entries(error.fields) : [];
  return (
    <div className="state error" role="alert">
      <p>{message}</p>
      {fields.length > 0 && (
        <ul>
          {fields.map(([name, text]) => (
            <li key={name}>{fieldMessage(name, text)}</li>
          ))}
        </ul>
      )}
      {retry && (
        <button type="button" onClick={retry}>
          Try again
        </button>
      )}
    </div>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return <p className="state empty">{children}</p>;
}
