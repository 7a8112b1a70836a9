import { useQueryClient } from "@tanstack/react-query";
import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from "react";
import { session } from "./client";
import { applyLiveEvent, openLiveStream } from "./live";

interface LiveValue {
  /** Whether the live stream is open: pages poll only while it is not. */
  connected: boolean;
  watch(productIds: string[]): () => void;
}

const LiveContext = createContext<LiveValue>({ connected: false, watch: () => () => undefined });

/** One live stream per tab, for the signed-in user and the product pages on screen. */
export function LiveUpdates({ children }: { children: ReactNode }) {
  const queryClient = useQueryClient();
  const [userId, setUserId] = useState(() => session.get()?.user_id ?? null);
  useEffect(() => session.subscribe((tokens) => setUserId(tokens?.user_id ?? null)), []);
  const [connected, setConnected] = useState(false);
  const counts = useRef(new Map<string, number>());
  const [watched, setWatched] = useState("");
  const cursor = useRef<{ lastId: string | null }>({ lastId: null });

  const watch = useCallback((productIds: string[]) => {
    const change = (by: number) => {
      for (const id of productIds) {
        const count = (counts.current.get(id) ?? 0) + by;
        if (count > 0) counts.current.set(id, count);
        else counts.current.delete(id);
      }
      setWatched([...counts.current.keys()].sort().join(","));
    };
    change(1);
    return () => change(-1);
  }, []);

  useEffect(() => {
    cursor.current = { lastId: null }; // another user's stream starts afresh
  }, [userId]);

  useEffect(() => {
    const products = watched ? watched.split(",") : [];
    if (!userId && products.length === 0) {
      setConnected(false);
      return undefined;
    }
    const close = openLiveStream({
      products,
      cursor: cursor.current,
      onEvent: (event) => applyLiveEvent(queryClient, event),
      onConnected: setConnected,
    });
    return () => {
      close();
      setConnected(false);
    };
  }, [queryClient, userId, watched]);

  const value = useMemo(() => ({ connected, watch }), [connected, watch]);
  return <LiveContext.Provider value={value}>{children}</LiveContext.Provider>;
}

/** Whether live updates arrive; a page polls only when they do not. */
export function useLiveConnected(): boolean {
  return useContext(LiveContext).connected;
}

/** Follow these products' stock live while the calling component is on screen. */
export function useWatchProducts(productIds: string[]): void {
  const { watch } = useContext(LiveContext);
  const key = productIds.join(",");
  useEffect(() => (key ? watch(key.split(",")) : undefined), [watch, key]);
}
