import { useQuery } from "@tanstack/react-query";
import { useState, type FormEvent, type ReactNode } from "react";
import { Link, NavLink, useNavigate, useSearchParams } from "react-router-dom";
import { api } from "../api/client";
import { useSession } from "../auth/session";
import { useCart } from "./cart";
import "./shop.css";

function SearchBox() {
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const [text, setText] = useState(params.get("q") ?? "");
  const submit = (event: FormEvent) => {
    event.preventDefault();
    navigate(text.trim() ? `/search?q=${encodeURIComponent(text.trim())}` : "/search");
  };
  return (
    <form className="search-box" role="search" onSubmit={submit}>
      <label htmlFor="site-search" className="visually-hidden">
        Search products
      </label>
      <input
        id="site-search"
        type="search"
        placeholder="Search products"
        value={text}
        onChange={(event) => setText(event.target.value)}
      />
      <button type="submit">Search</button>
    </form>
  );
}

/** Links to the pages staff published ("About", "Returns"…); none while they load or fail. */
function PageLinks() {
  const pages = useQuery({ queryKey: ["page-links"], queryFn: api.pageLinks, staleTime: 60_000 });
  if (!pages.data?.items.length) return null;
  return (
    <nav aria-label="About Souk">
      {pages.data.items.map((page) => (
        <Link key={page.slug} to={`/pages/${page.slug}`}>
          {page.title}
        </Link>
      ))}
    </nav>
  );
}

/** The inbox, with how many are unread (looked at again every minute and on focus). */
function NotificationsLink() {
  const inbox = useQuery({ queryKey: ["notifications", 1], queryFn: () => api.notifications(1), refetchInterval: 60_000 });
  const unread = inbox.data?.unread ?? 0;
  return (
    <NavLink to="/notifications" className="cart-link">
      Notifications{unread > 0 && <span className="count" aria-label={`${unread} unread`}>{unread}</span>}
    </NavLink>
  );
}

function CartLink() {
  const cart = useCart();
  const count = cart.data?.items.reduce((sum, line) => sum + line.quantity, 0) ?? 0;
  return (
    <NavLink to="/cart" className="cart-link">
      Cart{count > 0 && <span className="count" aria-label={`${count} items`}>{count}</span>}
    </NavLink>
  );
}

export function Layout({ children }: { children: ReactNode }) {
  const { user, signOut } = useSession();
  const navigate = useNavigate();
  return (
    <div className="shop">
      <header className="shop-header">
        <Link to="/" className="brand">
          Souk
        </Link>
        <SearchBox />
        <nav aria-label="Main">
          <NavLink to="/track">Track an order</NavLink>
          {user && <NavLink to="/orders">Orders</NavLink>}
          {user && <NotificationsLink />}
          {user ? (
            <>
              <NavLink to="/account">Account</NavLink>
              <button
                type="button"
                className="link-button"
                onClick={() => signOut().then(() => navigate("/"))}
              >
                Sign out
              </button>
            </>
          ) : (
            user === null && <NavLink to="/signin">Sign in</NavLink>
          )}
          <CartLink />
        </nav>
      </header>
      <main className="shop-main">{children}</main>
      <footer className="shop-footer">
        <p>Souk — many shops, one cart. A cart holds items from up to 3 shops.</p>
        <p>
          <Link to="/track">Track a parcel</Link> · <Link to="/courier">Couriers</Link> · <Link to="/seller">Shop owners</Link> ·{" "}
          <Link to="/staff">Staff</Link>
        </p>
        <PageLinks />
      </footer>
    </div>
  );
}
