import { useQuery } from "@tanstack/react-query";
import type { ReactNode } from "react";
import { Link } from "react-router-dom";
import { api } from "../api/client";
import { Empty, ErrorNote, Loading } from "../ui/states";
import { ProductGrid } from "./ProductCard";

/** The biggest categories the home page names; the search page lists them all. */
const HOME_CATEGORIES = 12;

function BannerLink({ href, children }: { href: string; children: ReactNode }) {
  return href.startsWith("/") ? <Link to={href}>{children}</Link> : <a href={href} rel="noopener">{children}</a>;
}

/** What staff published for the home page; nothing at all while there is none or it fails. */
function Banners() {
  const banners = useQuery({ queryKey: ["banners", "shown"], queryFn: api.banners });
  if (!banners.data?.items.length) return null;
  return (
    <section className="banners" aria-label="News from Souk">
      {banners.data.items.map((banner) => (
        <article key={banner.id} className="banner">
          <h2>{banner.title}</h2>
          {banner.body && <p>{banner.body}</p>}
          {banner.link_url && <BannerLink href={banner.link_url}>Find out more</BannerLink>}
        </article>
      ))}
    </section>
  );
}

function Categories() {
  const categories = useQuery({ queryKey: ["categories"], queryFn: api.categories });
  if (categories.isPending) return <Loading what="Loading categories" />;
  if (categories.error) return <ErrorNote error={categories.error} retry={categories.refetch} />;
  if (categories.data.items.length === 0) return <Empty>No categories yet.</Empty>;
  return (
    <ul className="category-list">
      {categories.data.items.slice(0, HOME_CATEGORIES).map((category) => (
        <li key={category.name}>
          <Link to={`/search?category=${encodeURIComponent(category.name)}`}>
            {category.name} <span className="muted">({category.count})</span>
          </Link>
        </li>
      ))}
    </ul>
  );
}

function Offers() {
  const query = { on_offer: true, sort: "newest", per_page: 8 } as const;
  const offers = useQuery({ queryKey: ["products", query], queryFn: () => api.products(query) });
  if (offers.isPending) return <Loading what="Loading offers" />;
  if (offers.error) return <ErrorNote error={offers.error} retry={offers.refetch} />;
  if (offers.data.items.length === 0) return <Empty>No offers running right now.</Empty>;
  return (
    <>
      <ProductGrid products={offers.data.items} label="Offers" />
      {offers.data.total > offers.data.items.length && (
        <p>
          <Link to="/search?on_offer=true">All {offers.data.total} offers</Link>
        </p>
      )}
    </>
  );
}

function NewIn() {
  const newest = useQuery({
    queryKey: ["products", { sort: "newest", per_page: 8 }],
    queryFn: () => api.products({ sort: "newest", per_page: 8 }),
  });
  if (newest.isPending) return <Loading what="Loading products" />;
  if (newest.error) return <ErrorNote error={newest.error} retry={newest.refetch} />;
  if (newest.data.items.length === 0) return <Empty>No products yet: the shops are stocking up.</Empty>;
  return <ProductGrid products={newest.data.items} label="New in" />;
}

export function Home() {
  return (
    <>
      <section className="hero">
        <h1>Souk</h1>
        <p>Many independent shops, one cart. Fill it from up to three shops and check out once.</p>
        <Link to="/search" className="button-link">
          Browse everything
        </Link>
      </section>
      <Banners />
      <section aria-labelledby="categories-heading">
        <h2 id="categories-heading">Categories</h2>
        <Categories />
      </section>
      <section aria-labelledby="offers-heading">
        <h2 id="offers-heading">Offers</h2>
        <Offers />
      </section>
      <section aria-labelledby="new-heading">
        <h2 id="new-heading">New in</h2>
        <NewIn />
      </section>
    </>
  );
}
