import { Link, useNavigate } from "react-router-dom";
import { SignInForm } from "../auth/SignInForm";
import { useNextPage } from "./authForms";

export default function SignInPage() {
  const navigate = useNavigate();
  const next = useNextPage();
  return (
    <section className="auth-page">
      <h1>Sign in</h1>
      <SignInForm className="card form" onSignedIn={() => navigate(next, { replace: true })}>
        <p>
          New to Souk? <Link to={`/signup?next=${encodeURIComponent(next)}`}>Create an account</Link>
        </p>
      </SignInForm>
    </section>
  );
}
