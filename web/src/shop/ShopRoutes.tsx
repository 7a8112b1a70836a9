import { lazy, Suspense } from "react";
import { Route, Routes } from "react-router-dom";
import { Loading } from "../ui/states";
import { Home } from "./Home";
import { Layout } from "./Layout";

// The home page comes with the first download; every other page is fetched when opened.
const SearchPage = lazy(() => import("./SearchPage"));
const ProductPage = lazy(() => import("./ProductPage"));
const CartPage = lazy(() => import("./CartPage"));
const CheckoutPage = lazy(() => import("./CheckoutPage"));
const OrdersPage = lazy(() => import("./OrdersPage"));
const OrderPage = lazy(() => import("./OrderPage"));
const TrackPage = lazy(() => import("./TrackPage"));
const SignInPage = lazy(() => import("./SignInPage"));
const SignUpPage = lazy(() => import("./SignUpPage"));
const AccountPage = lazy(() => import("./AccountPage"));
const NotificationsPage = lazy(() => import("./NotificationsPage"));
const NotFoundPage = lazy(() => import("./NotFoundPage"));
const ContentPage = lazy(() => import("./ContentPage"));

export default function ShopRoutes() {
  return (
    <Layout>
      <Suspense fallback={<Loading />}>
        <Routes>
          <Route index element={<Home />} />
          <Route path="search" element={<SearchPage />} />
          <Route path="products/:productId" element={<ProductPage />} />
          <Route path="cart" element={<CartPage />} />
          <Route path="checkout" element={<CheckoutPage />} />
          <Route path="orders" element={<OrdersPage />} />
          <Route path="orders/:orderId" element={<OrderPage />} />
          <Route path="track" element={<TrackPage />} />
          <Route path="track/:trackingNumber" element={<TrackPage />} />
          <Route path="signin" element={<SignInPage />} />
          <Route path="signup" element={<SignUpPage />} />
          <Route path="account" element={<AccountPage />} />
          <Route path="notifications" element={<NotificationsPage />} />
          <Route path="pages/:slug" element={<ContentPage />} />
          <Route path="*" element={<NotFoundPage />} />
        </Routes>
      </Suspense>
    </Layout>
  );
}
