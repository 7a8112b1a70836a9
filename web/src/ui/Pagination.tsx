/** Previous / "Page 2 of 5" / Next; nothing when everything fits on one page. */
export function Pagination({
  page,
  pages,
  go,
  label = "Pages",
}: {
  page: number;
  pages: number;
  go(page: number): void;
  label?: string;
}) {
  if (pages <= 1) return null;
  return (
    <nav className="pagination" aria-label={label}>
      <button type="button" className="secondary" disabled={page <= 1} onClick={() => go(page - 1)}>
        Previous
      </button>
      <span>
        Page {page} of {pages}
      </span>
      <button type="button" className="secondary" disabled={page >= pages} onClick={() => go(page + 1)}>
        Next
      </button>
    </nav>
  );
}
