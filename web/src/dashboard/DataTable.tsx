import type { ReactNode } from "react";

export interface Column {
  label: string;
  /** Right-aligned figures. */
  number?: boolean;
}

/** A column of figures: `number("Stock")`. */
export const number = (label: string): Column => ({ label, number: true });

/** The dashboards' tables: a caption (for screen readers, unless `showCaption`), column
 * headers, and the rows the caller gives; wide ones scroll sideways on a phone. */
export function DataTable({ caption, columns, showCaption = false, children }: {
  caption: string;
  columns: (string | Column | false)[];
  showCaption?: boolean;
  children: ReactNode;
}) {
  const shown = columns.filter((column): column is string | Column => column !== false);
  return (
    <div className="table-wrap">
      <table className="data">
        <caption className={showCaption ? undefined : "visually-hidden"}>{caption}</caption>
        <thead>
          <tr>
            {shown.map((column) => {
              const { label, number: figures } = typeof column === "string" ? { label: column, number: false } : column;
              return (
                <th key={label} scope="col" className={figures ? "number" : undefined}>
                  {label}
                </th>
              );
            })}
          </tr>
        </thead>
        <tbody>{children}</tbody>
      </table>
    </div>
  );
}
