import { useMutation } from "@tanstack/react-query";
import { useState, type FormEvent, type ReactNode } from "react";
import { Field } from "../ui/Field";
import { ErrorNote } from "../ui/states";
import { useSession } from "./session";

/** E-mail and password, signing in through the session; the shop and the courier app share it. */
export function SignInForm({
  onSignedIn,
  className,
  children,
}: {
  onSignedIn(): void;
  className?: string;
  children?: ReactNode;
}) {
  const { signIn } = useSession();
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const attempt = useMutation({ mutationFn: () => signIn(email, password), onSuccess: onSignedIn });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    attempt.mutate();
  };
  return (
    <form className={className} onSubmit={submit}>
      <Field label="Email" type="email" autoComplete="email" required value={email} onChange={(e) => setEmail(e.target.value)} />
      <Field
        label="Password" type="password" autoComplete="current-password" required
        value={password} onChange={(e) => setPassword(e.target.value)}
      />
      {attempt.error && <ErrorNote error={attempt.error} />}
      <button type="submit" className="big" disabled={attempt.isPending}>
        {attempt.isPending ? "Signing in…" : "Sign in"}
      </button>
      {children}
    </form>
  );
}
