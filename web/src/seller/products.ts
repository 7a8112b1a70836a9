import { useQuery } from "@tanstack/react-query";
import { api, everyPage } from "../api/client";

/** The seller's products (disabled ones included), read once and shared by every page. */
export function useMyProducts() {
  return useQuery({ queryKey: ["my-products"], queryFn: () => everyPage(api.myProducts) });
}

/** A product's name by id from the seller's products; the id's start while they load. */
export function useProductNames(): (productId: string) => string {
  const products = useMyProducts();
  const names = new Map(products.data?.items.map((p) => [p.id, p.name]));
  return (productId) => names.get(productId) ?? `Product ${productId.slice(0, 8)}`;
}
