import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { BrowserRouter } from "react-router-dom";
import { ApiError } from "./api/client";
import { LiveUpdates } from "./api/LiveUpdates";
import { App } from "./App";
import { SessionProvider } from "./auth/session";
import "./ui/styles.css";

const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      // A 4xx will not change by asking again; a dropped connection or a 503 may.
      retry: (failures, error) =>
        failures < 2 && !(error instanceof ApiError && error.status >= 400 && error.status < 500),
      staleTime: 5_000,
    },
  },
});

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <QueryClientProvider client={queryClient}>
      <SessionProvider>
        <LiveUpdates>
          <BrowserRouter>
            <App />
          </BrowserRouter>
        </LiveUpdates>
      </SessionProvider>
    </QueryClientProvider>
  </StrictMode>,
);
