import { useState, type FormEvent } from "react";
import { Link, useNavigate } from "react-router-dom";
import { api, ApiError } from "../api/client";
import { useSession } from "../auth/session";
import { Field } from "../ui/Field";
import { ErrorNote } from "../ui/states";
import { useNextPage } from "./authForms";

export default function SignUpPage() {
  const { signIn } = useSession();
  const navigate = useNavigate();
  const next = useNextPage();
  const [form, setForm] = useState({ name: "", email: "", password: "" });
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const fields = error instanceof ApiError ? error.fields : {};
  const set = (key: keyof typeof form) => (event: { target: { value: string } }) =>
    setForm((current) => ({ ...current, [key]: event.target.value }));

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await api.register(form);
      await signIn(form.email, form.password);
      navigate(next, { replace: true });
    } catch (failure) {
      setError(failure);
      setBusy(false);
    }
  };
  return (
    <section className="auth-page">
      <h1>Create your account</h1>
      <form className="card form" onSubmit={submit}>
        <Field label="Name" autoComplete="name" value={form.name} onChange={set("name")} error={fields.name} />
        <Field
          label="Email" type="email" autoComplete="email" required
          value={form.email} onChange={set("email")} error={fields.email}
        />
        <Field
          label="Password" type="password" autoComplete="new-password" required
          hint="At least 8 characters" value={form.password} onChange={set("password")} error={fields.password}
        />
        {error !== null && <ErrorNote error={error} />}
        <button type="submit" disabled={busy}>
          {busy ? "Creating your account…" : "Create account"}
        </button>
        <p>
          Already have an account? <Link to={`/signin?next=${encodeURIComponent(next)}`}>Sign in</Link>
        </p>
      </form>
    </section>
  );
}
