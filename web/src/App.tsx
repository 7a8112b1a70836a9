import { lazy, Suspense } from "react";
import { Route, Routes } from "react-router-dom";
import { Loading } from "./ui/states";

// Each face of Souk is its own chunk: a shopper never downloads the courier app.
const ShopRoutes = lazy(() => import("./shop/ShopRoutes"));
const CourierApp = lazy(() => import("./courier/CourierApp"));

export function App() {
  return (
    <Suspense fallback={<Loading />}>
      <Routes>
        <Route path="/courier/*" element={<CourierApp />} />
        <Route path="/*" element={<ShopRoutes />} />
      </Routes>
    </Suspense>
  );
}
