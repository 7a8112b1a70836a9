import { useQuery } from "@tanstack/react-query";
import { api } from "../api/client";

/** The shop names of `sellerIds` (a seller id maps to itself until its name is known). */
export function useShopNames(sellerIds: string[]): (sellerId: string) => string {
  const ids = [...new Set(sellerIds)].sort();
  const shops = useQuery({
    queryKey: ["shops", ids],
    queryFn: () => api.shops(ids),
    enabled: ids.length > 0,
    staleTime: 5 * 60_000,
  });
  const names = new Map(shops.data?.items.map((shop) => [shop.seller_id, shop.shop_name]));
  return (sellerId) => names.get(sellerId) ?? "A Souk shop";
}
