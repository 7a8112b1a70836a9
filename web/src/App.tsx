import { lazy, Suspense } from "react";
import { Route, Routes } from "react-router-dom";
import { Loading } from "./ui/states";

// Each face of Souk is its own chunk: a shopper never downloads the courier app or a dashboard.
const ShopRoutes = lazy(() => import("./shop/ShopRoutes"));
const CourierApp = lazy(() => import("./courier/CourierApp"));
const SellerApp = lazy(() => import("./seller/SellerApp"));
const StaffApp = lazy(() => import("./staff/StaffApp"));

export function App() {
  return (
    <Suspense fallback={<Loading />}>
      <Routes>
        <Route path="/courier/*" element={<CourierApp />} />
        <Route path="/seller/*" element={<SellerApp />} />
        <Route path="/staff/*" element={<StaffApp />} />
        <Route path="/*" element={<ShopRoutes />} />
      </Routes>
    </Suspense>
  );
}
