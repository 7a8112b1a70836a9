import type { ReactNode } from "react";
import { Link } from "react-router-dom";

// Placeholder: the storefront's header and footer are being built.
export function Layout({ children }: { children: ReactNode }) {
  return (
    <>
      <header>
        <Link to="/">Souk</Link>
      </header>
      <main>{children}</main>
    </>
  );
}
