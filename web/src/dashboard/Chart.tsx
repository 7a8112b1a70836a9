import { lazy, Suspense } from "react";
import type { Series } from "./Charts";

const Bars = lazy(() => import("./Charts"));

export const CURRENT = "#0b6e4f";
export const PREVIOUS = "#9aa4ad";

/** A bar chart, drawn once the chart library has loaded; the figures are always in a table
 * beside it, so the chart adds a picture, not information. */
export function Chart(props: { data: object[]; series: Series[]; label: string }) {
  return (
    <Suspense fallback={<div className="chart chart-loading" aria-hidden="true" />}>
      <Bars {...props} />
    </Suspense>
  );
}
