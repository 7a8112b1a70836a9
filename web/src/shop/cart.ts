import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, type Cart, type CartLine } from "../api/client";
import { useSession } from "../auth/session";

/** A cart may hold items of at most this many shops (the API answers 409 `too_many_shops`). */
export const MAX_SHOPS = 3;

export const CART_KEY = ["cart"] as const;

/** The signed-in shopper's cart; disabled while signed out. */
export function useCart() {
  const { user } = useSession();
  return useQuery({ queryKey: CART_KEY, queryFn: api.cart, enabled: Boolean(user) });
}

/** The sellers whose items are in the cart, in the order they were first added. */
export function shopsIn(cart: Cart | undefined): string[] {
  return [...new Set(cart?.items.map((line) => line.seller_id) ?? [])];
}

/** True when adding an item of `sellerId` would make the cart span more than MAX_SHOPS shops. */
export function wouldExceedShops(cart: Cart | undefined, sellerId: string): boolean {
  const shops = shopsIn(cart);
  return shops.length >= MAX_SHOPS && !shops.includes(sellerId);
}

export function useAddToCart() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ productId, quantity }: { productId: string; quantity: number }) =>
      api.addToCart(productId, quantity),
    onSettled: () => queryClient.invalidateQueries({ queryKey: CART_KEY }),
  });
}

export interface ShopGroup {
  sellerId: string;
  lines: CartLine[];
  subtotal: number;
}

/** The cart's lines under their shops, shops in the order they were first added. */
export function groupByShop(cart: Cart | undefined): ShopGroup[] {
  return shopsIn(cart).map((sellerId) => {
    const lines = cart!.items.filter((line) => line.seller_id === sellerId);
    const subtotal = lines.reduce((sum, line) => sum + (line.available ? Number(line.line_total ?? 0) : 0), 0);
    return { sellerId, lines, subtotal };
  });
}

export function useChangeCart() {
  const queryClient = useQueryClient();
  const settle = () => queryClient.invalidateQueries({ queryKey: CART_KEY });
  const setQuantity = useMutation({
    mutationFn: ({ itemId, quantity }: { itemId: string; quantity: number }) => api.setQuantity(itemId, quantity),
    onSettled: settle,
  });
  const remove = useMutation({ mutationFn: api.removeFromCart, onSettled: settle });
  return { setQuantity, remove };
}
