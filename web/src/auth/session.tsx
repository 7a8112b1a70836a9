import { useQuery, useQueryClient } from "@tanstack/react-query";
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from "react";
import { api, session, type Tokens, type User } from "../api/client";

interface SessionValue {
  /** The signed-in user, `null` when signed out, `undefined` while it is being read. */
  user: User | null | undefined;
  signIn(email: string, password: string): Promise<User>;
  signOut(): Promise<void>;
}

const SessionContext = createContext<SessionValue | null>(null);

export function SessionProvider({ children }: { children: ReactNode }) {
  const queryClient = useQueryClient();
  const [tokens, setTokens] = useState<Tokens | null>(session.get);
  useEffect(() => session.subscribe(setTokens), []);
  const signedIn = tokens !== null;
  const me = useQuery({ queryKey: ["me", tokens?.user_id], queryFn: api.me, enabled: signedIn });

  const signIn = useCallback(
    async (email: string, password: string) => {
      session.set(await api.login({ email, password }));
      queryClient.removeQueries();
      return queryClient.fetchQuery({ queryKey: ["me", session.get()?.user_id], queryFn: api.me });
    },
    [queryClient],
  );

  const signOut = useCallback(async () => {
    try {
      await api.logout();
    } catch {
      // an expired session is signed out all the same
    }
    session.set(null);
    queryClient.removeQueries();
  }, [queryClient]);

  const user = !signedIn ? null : me.isError ? null : me.data;
  const value = useMemo(() => ({ user, signIn, signOut }), [user, signIn, signOut]);
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionValue {
  const value = useContext(SessionContext);
  if (!value) throw new Error("useSession outside SessionProvider");
  return value;
}
