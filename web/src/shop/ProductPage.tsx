import { useQuery } from "@tanstack/react-query";
import { useEffect, useState, type FormEvent } from "react";
import { Link, useParams } from "react-router-dom";
import { api, type Product } from "../api/client";
import { useWatchProducts } from "../api/LiveUpdates";
import { useSession } from "../auth/session";
import { ErrorNote, Loading } from "../ui/states";
import { shopsIn, useAddToCart, useCart, wouldExceedShops, MAX_SHOPS } from "./cart";
import { PriceTag, ProductImage, Stars } from "./ProductCard";
import { ProductReviews } from "./ProductReviews";
import { useShopNames } from "./shops";

function Gallery({ product }: { product: Product }) {
  const [shown, setShown] = useState(0);
  const images = product.images;
  return (
    <div className="gallery">
      <ProductImage product={product} src={images[shown]} />
      {images.length > 1 && (
        <ul className="thumbnails" aria-label="More pictures">
          {images.map((image, index) => (
            <li key={image}>
              <button
                type="button"
                className={index === shown ? "thumbnail current" : "thumbnail"}
                aria-label={`Picture ${index + 1} of ${images.length}`}
                aria-pressed={index === shown}
                onClick={() => setShown(index)}
              >
                <img src={image} alt="" />
              </button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

function AddToCart({ product }: { product: Product }) {
  const { user } = useSession();
  const cart = useCart();
  const add = useAddToCart();
  const [quantity, setQuantity] = useState(1);
  const cartShops = shopsIn(cart.data);
  const shopName = useShopNames(cartShops);

  if (user === null) {
    return (
      <p className="add-to-cart">
        <Link className="button-link" to={`/signin?next=/products/${product.id}`}>
          Sign in to buy
        </Link>
      </p>
    );
  }
  if (!product.in_stock) return <p className="badge out">Out of stock</p>;
  if (wouldExceedShops(cart.data, product.seller_id)) {
    return (
      <div className="note" role="note">
        Your cart already holds items from {MAX_SHOPS} shops ({cartShops.map(shopName).join(", ")}); a
        cart can hold at most {MAX_SHOPS} shops. Check out or remove a shop’s items from{" "}
        <Link to="/cart">your cart</Link> to add this.
      </div>
    );
  }
  const submit = (event: FormEvent) => {
    event.preventDefault();
    add.mutate({ productId: product.id, quantity });
  };
  return (
    <form className="add-to-cart" onSubmit={submit}>
      <label className="inline">
        Quantity
        <input
          type="number" min={1} max={Math.max(1, product.stock)} value={quantity}
          onChange={(e) => setQuantity(Math.max(1, Number(e.target.value) || 1))}
        />
      </label>
      <button type="submit" disabled={add.isPending}>
        {add.isPending ? "Adding…" : "Add to cart"}
      </button>
      <div aria-live="polite">
        {add.isSuccess && (
          <p className="success">
            Added to your cart. <Link to="/cart">See your cart</Link>
          </p>
        )}
        {add.error && <ErrorNote error={add.error} />}
      </div>
    </form>
  );
}

export default function ProductPage() {
  const { productId = "" } = useParams();
  const product = useQuery({ queryKey: ["product", productId], queryFn: () => api.product(productId) });
  const shopName = useShopNames(product.data ? [product.data.seller_id] : []);
  // Only a product that exists: a mistyped id in the address would make the stream refuse.
  useWatchProducts(product.data ? [product.data.id] : []);
  useEffect(() => {
    api.recordEvent({ type: "product_view", product_id: productId }).catch(() => undefined);
  }, [productId]);

  if (product.isPending) return <Loading what="Loading the product" />;
  if (product.error) {
    return (
      <section>
        <h1>Product unavailable</h1>
        <ErrorNote error={product.error} />
        <Link to="/search">Back to the shop</Link>
      </section>
    );
  }
  const item = product.data;
  return (
    <section className="product-page">
      <div className="product-main">
        <Gallery product={item} />
        <div className="product-details">
          <h1>{item.name}</h1>
          <p className="shop-name">
            Sold by <Link to={`/search?seller_id=${item.seller_id}`}>{shopName(item.seller_id)}</Link>
          </p>
          <p className="product-price">
            <PriceTag product={item} />
          </p>
          <p>
            <Stars rating={item.rating} count={item.review_count} />
          </p>
          <p className={item.in_stock ? "stock" : "stock out"}>
            {item.in_stock ? `In stock: ${item.stock}` : "Out of stock"}
          </p>
          {item.category && (
            <p className="muted">
              Category: <Link to={`/search?category=${encodeURIComponent(item.category)}`}>{item.category}</Link>
            </p>
          )}
          <AddToCart product={item} />
          {item.description && <p className="description">{item.description}</p>}
        </div>
      </div>
      <ProductReviews productId={item.id} />
    </section>
  );
}
