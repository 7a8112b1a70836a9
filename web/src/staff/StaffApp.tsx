import type { ReactNode } from "react";
import { Navigate, Route, Routes } from "react-router-dom";
import { api } from "../api/client";
import { DashboardShell, DashboardSignIn, type Face } from "../dashboard/DashboardShell";
import { StaffContent } from "./StaffContent";
import { StaffCouriers } from "./StaffCouriers";
import { StaffHome } from "./StaffHome";
import { StaffOrders } from "./StaffOrders";
import { StaffProducts } from "./StaffProducts";
import { StaffUsers } from "./StaffUsers";

const STAFF: Face = {
  title: "Staff",
  role: "admin",
  base: "/staff",
  links: [
    { to: "/staff", label: "Overview" },
    { to: "/staff/users", label: "Users" },
    { to: "/staff/products", label: "Products" },
    { to: "/staff/orders", label: "Orders" },
    { to: "/staff/couriers", label: "Couriers" },
    { to: "/staff/content", label: "Content" },
  ],
  probe: api.salesSummary,
};

function Page({ children }: { children: ReactNode }) {
  return <DashboardShell face={STAFF}>{children}</DashboardShell>;
}

export default function StaffApp() {
  return (
    <Routes>
      <Route path="signin" element={<DashboardSignIn face={STAFF} />} />
      <Route path="" element={<Page><StaffHome /></Page>} />
      <Route path="users" element={<Page><StaffUsers /></Page>} />
      <Route path="products" element={<Page><StaffProducts /></Page>} />
      <Route path="orders" element={<Page><StaffOrders /></Page>} />
      <Route path="couriers" element={<Page><StaffCouriers /></Page>} />
      <Route path="content" element={<Page><StaffContent /></Page>} />
      <Route path="*" element={<Navigate to="/staff" replace />} />
    </Routes>
  );
}
