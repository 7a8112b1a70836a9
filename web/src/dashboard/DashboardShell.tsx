import { useQuery } from "@tanstack/react-query";
import type { ReactNode } from "react";
import { Navigate, NavLink, useLocation, useNavigate } from "react-router-dom";
import type { Role } from "../api/client";
import { useSession } from "../auth/session";
import { SignInForm } from "../auth/SignInForm";
import { ErrorNote, Loading } from "../ui/states";
import "./dashboard.css";

export interface Face {
  /** "Seller" or "Staff": who the screens are for. */
  title: string;
  role: Role;
  /** The face's root path, e.g. "/seller". */
  base: string;
  links: { to: string; label: string }[];
  /** A call only this role may make: a wrong role sees the API's own refusal. */
  probe(): Promise<unknown>;
}

export function DashboardSignIn({ face }: { face: Face }) {
  const navigate = useNavigate();
  const location = useLocation();
  const from = (location.state as { from?: string } | null)?.from ?? face.base;
  return (
    <main className="dash-signin">
      <h1>Souk · {face.title}</h1>
      <SignInForm className="card form" onSignedIn={() => navigate(from, { replace: true })} />
    </main>
  );
}

/** What a signed-in user of another role sees: the page is not theirs, and the API agrees. */
function NotAllowed({ face, email, role }: { face: Face; email: string; role: Role }) {
  const { signOut } = useSession();
  const navigate = useNavigate();
  const refusal = useQuery({ queryKey: ["probe", face.base], queryFn: face.probe, retry: false });
  return (
    <main className="dash-signin" aria-labelledby="not-allowed">
      <h1 id="not-allowed">Not allowed</h1>
      <p>
        These pages are for Souk's {face.title.toLowerCase()} accounts. You are signed in as {email},
        a {role}.
      </p>
      {refusal.isPending && <Loading what="Asking the shop" />}
      {refusal.error && <ErrorNote error={refusal.error} />}
      <p>
        <a href="/">Go to the shop</a>
      </p>
      <button type="button" className="secondary" onClick={() => signOut().then(() => navigate(`${face.base}/signin`))}>
        Sign in as someone else
      </button>
    </main>
  );
}

/** The frame of the seller and staff dashboards: sign-in, role check, navigation. */
export function DashboardShell({ face, children }: { face: Face; children: ReactNode }) {
  const { user, signOut } = useSession();
  const location = useLocation();
  const navigate = useNavigate();
  if (user === undefined) return <Loading />;
  if (user === null) return <Navigate to={`${face.base}/signin`} replace state={{ from: location.pathname }} />;
  if (user.role !== face.role) return <NotAllowed face={face} email={user.email} role={user.role} />;
  return (
    <div className="dash">
      <header className="dash-header">
        <strong>Souk · {face.title}</strong>
        <span className="muted">{user.shop_name ?? user.name}</span>
        <button type="button" className="secondary" onClick={() => signOut().then(() => navigate(`${face.base}/signin`))}>
          Sign out
        </button>
      </header>
      <nav className="dash-nav" aria-label={face.title}>
        {face.links.map((link) => (
          <NavLink key={link.to} to={link.to} end={link.to === face.base}>
            {link.label}
          </NavLink>
        ))}
      </nav>
      <main className="dash-main">{children}</main>
    </div>
  );
}

/** A headline figure: "Orders today 3". */
export function Tile({ label, value }: { label: string; value: ReactNode }) {
  return (
    <div className="tile">
      <span>{label}</span>
      <strong>{value}</strong>
    </div>
  );
}
