import { Link } from "react-router-dom";
import type { Product } from "../api/client";
import { money } from "../ui/format";
import { isOnOffer, percentOff } from "./browse";

export function ProductImage({ product, src }: { product: Product; src?: string }) {
  const image = src ?? product.images[0];
  if (image) return <img className="product-image" src={image} alt={product.name} loading="lazy" />;
  return (
    <div className="product-image placeholder" role="img" aria-label={`${product.name}: no picture yet`}>
      {product.name.slice(0, 1).toUpperCase()}
    </div>
  );
}

export function PriceTag({ product }: { product: Product }) {
  if (!isOnOffer(product)) {
    return <span className="price">{money(product.price, product.currency)}</span>;
  }
  return (
    <span className="price on-offer">
      <span className="visually-hidden">Offer price </span>
      {money(product.effective_price, product.currency)}{" "}
      <s>
        <span className="visually-hidden">was </span>
        {money(product.price, product.currency)}
      </s>{" "}
      <span className="badge offer">−{percentOff(product)}%</span>
    </span>
  );
}

/** A rating as stars; with `count`, an average over that many reviews. */
export function Stars({ rating, count }: { rating: number | string | null; count?: number }) {
  if (rating === null || count === 0) return <span className="stars muted">No reviews yet</span>;
  const value = Number(rating);
  const full = Math.round(value);
  const reviews = count === undefined ? "" : ` from ${count} ${count === 1 ? "review" : "reviews"}`;
  return (
    <span className="stars" role="img" aria-label={`Rated ${value.toFixed(1)} out of 5${reviews}`}>
      <span aria-hidden="true">
        {"★".repeat(full)}
        <span className="empty-stars">{"★".repeat(5 - full)}</span> {value.toFixed(1)}
        {count !== undefined && ` (${count})`}
      </span>
    </span>
  );
}

export function ProductCard({ product }: { product: Product }) {
  return (
    <li className="product-card">
      <Link to={`/products/${product.id}`}>
        <ProductImage product={product} />
        <span className="product-name">{product.name}</span>
      </Link>
      <PriceTag product={product} />
      <Stars rating={product.rating} count={product.review_count} />
      {!product.in_stock && <span className="badge out">Out of stock</span>}
    </li>
  );
}

export function ProductGrid({ products, label }: { products: Product[]; label: string }) {
  return (
    <ul className="product-grid" aria-label={label}>
      {products.map((product) => (
        <ProductCard key={product.id} product={product} />
      ))}
    </ul>
  );
}
