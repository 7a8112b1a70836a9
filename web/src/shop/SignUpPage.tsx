import { useMutation } from "@tanstack/react-query";
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
  const create = useMutation({
    mutationFn: async () => {
      await api.register(form);
      await signIn(form.email, form.password);
    },
    onSuccess: () => navigate(next, { replace: true }),
  });
  const fields = create.error instanceof ApiError ? create.error.fields : {};
  const set = (key: keyof typeof form) => (event: { target: { value: string } }) =>
    setForm((current) => ({ ...current, [key]: event.target.value }));
  const submit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate();
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
        {create.error && <ErrorNote error={create.error} listFields={Object.keys(fields).length === 0} />}
        <button type="submit" disabled={create.isPending}>
          {create.isPending ? "Creating your account…" : "Create account"}
        </button>
        <p>
          Already have an account? <Link to={`/signin?next=${encodeURIComponent(next)}`}>Sign in</Link>
        </p>
      </form>
    </section>
  );
}
