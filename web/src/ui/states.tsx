import type { ReactNode } from "react";
import { ApiError } from "../api/client";

export function Loading({ what = "Loading" }: { what?: string }) {
  return (
    <p className="state" role="status" aria-live="polite">
      {what}…
    </p>
  );
}

function fieldMessage(name: string, message: string): string {
  return name === "body" || message.includes(name) ? message : `${name.replace(/_/g, " ")}: ${message}`;
}

/** An error in words: the API's own message and, unless the form shows them by their fields,
 * its per-field messages; never its JSON. */
export function ErrorNote({
  error,
  retry,
  listFields = true,
}: {
  error: unknown;
  retry?: () => void;
  listFields?: boolean;
}) {
  const message =
    error instanceof ApiError
      ? error.message
      : "Something went wrong; please try again";
  const fields = listFields && error instanceof ApiError ? Object.entries(error.fields) : [];
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
