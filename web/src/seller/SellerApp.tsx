import type { ReactNode } from "react";
import { Navigate, Route, Routes } from "react-router-dom";
import { api } from "../api/client";
import { DashboardShell, DashboardSignIn, type Face } from "../dashboard/DashboardShell";
import { SellerHome } from "./SellerHome";
import { SellerOffers } from "./SellerOffers";
import { SellerOrders } from "./SellerOrders";
import { ProductEditor, SellerProducts } from "./SellerProducts";
import { SellerStock } from "./SellerStock";

const SELLER: Face = {
  title: "Seller",
  role: "seller",
  base: "/seller",
  links: [
    { to: "/seller", label: "Dashboard" },
    { to: "/seller/products", label: "Products" },
    { to: "/seller/stock", label: "Stock" },
    { to: "/seller/offers", label: "Offers" },
    { to: "/seller/orders", label: "Orders" },
    // The shop's inbox: new orders and low stock (the storefront's page, for every role).
    { to: "/notifications", label: "Notifications" },
  ],
  probe: () => api.myProducts(1, 1),
};

function Page({ children }: { children: ReactNode }) {
  return <DashboardShell face={SELLER}>{children}</DashboardShell>;
}

export default function SellerApp() {
  return (
    <Routes>
      <Route path="signin" element={<DashboardSignIn face={SELLER} />} />
      <Route path="" element={<Page><SellerHome /></Page>} />
      <Route path="products" element={<Page><SellerProducts /></Page>} />
      <Route path="products/new" element={<Page><ProductEditor /></Page>} />
      <Route path="products/:productId" element={<Page><ProductEditor /></Page>} />
      <Route path="stock" element={<Page><SellerStock /></Page>} />
      <Route path="offers" element={<Page><SellerOffers /></Page>} />
      <Route path="orders" element={<Page><SellerOrders /></Page>} />
      <Route path="*" element={<Navigate to="/seller" replace />} />
    </Routes>
  );
}
