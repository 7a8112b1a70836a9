import { Link, useLocation, useSearchParams } from "react-router-dom";
import { useSession } from "../auth/session";

/** Where to go after signing in: `?next=`, if it is a page of this site, else home. */
export function useNextPage(): string {
  const [params] = useSearchParams();
  const next = params.get("next") ?? "";
  return next.startsWith("/") && !next.startsWith("//") ? next : "/";
}

export function SignInRequired({ what }: { what: string }) {
  const { user } = useSession();
  const location = useLocation();
  if (user === undefined) return null;
  const here = encodeURIComponent(location.pathname + location.search);
  return (
    <section>
      <h1>Sign in</h1>
      <p>
        Sign in to see {what}. <Link to={`/signin?next=${here}`}>Sign in</Link> or{" "}
        <Link to={`/signup?next=${here}`}>create an account</Link>.
      </p>
    </section>
  );
}
