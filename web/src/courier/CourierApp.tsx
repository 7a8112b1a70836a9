import type { ReactNode } from "react";
import { Navigate, NavLink, Route, Routes, useLocation, useNavigate } from "react-router-dom";
import { useSession } from "../auth/session";
import { SignInForm } from "../auth/SignInForm";
import { Loading } from "../ui/states";
import { Deliveries, Pending, Today } from "./CourierPages";
import "./courier.css";

function SignIn() {
  const navigate = useNavigate();
  return (
    <main className="courier-signin">
      <h1>Souk couriers</h1>
      <SignInForm className="courier-card" onSignedIn={() => navigate("/courier", { replace: true })} />
    </main>
  );
}

function CourierShell({ children }: { children: ReactNode }) {
  const { user, signOut } = useSession();
  const navigate = useNavigate();
  const leave = () => signOut().then(() => navigate("/courier/signin"));
  if (user && user.role !== "courier") {
    return (
      <main className="courier-signin">
        <h1>This app is for Souk couriers</h1>
        <p>You are signed in as {user.email}, who is not a courier.</p>
        <button type="button" className="big" onClick={leave}>
          Sign out
        </button>
      </main>
    );
  }
  return (
    <div className="courier">
      <header className="courier-header">
        <div>
          <strong>{user?.name || "Courier"}</strong>
          <span>Zone {user?.zone ?? "—"}</span>
        </div>
        <button type="button" className="secondary" onClick={leave}>
          Sign out
        </button>
      </header>
      <main className="courier-main">{children}</main>
      <nav className="courier-tabs" aria-label="Courier">
        <NavLink to="/courier" end>
          Pending
        </NavLink>
        <NavLink to="/courier/deliveries">My deliveries</NavLink>
        <NavLink to="/courier/today">Today</NavLink>
      </nav>
    </div>
  );
}

function SignedIn({ children }: { children: ReactNode }) {
  const { user } = useSession();
  const location = useLocation();
  if (user === undefined) return <Loading />;
  if (user === null) return <Navigate to="/courier/signin" replace state={{ from: location.pathname }} />;
  return <CourierShell>{children}</CourierShell>;
}

export default function CourierApp() {
  return (
    <Routes>
      <Route path="signin" element={<SignIn />} />
      <Route path="" element={<SignedIn><Pending /></SignedIn>} />
      <Route path="deliveries" element={<SignedIn><Deliveries /></SignedIn>} />
      <Route path="today" element={<SignedIn><Today /></SignedIn>} />
      <Route path="*" element={<Navigate to="/courier" replace />} />
    </Routes>
  );
}
