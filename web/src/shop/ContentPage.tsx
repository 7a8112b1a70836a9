import { useQuery } from "@tanstack/react-query";
import { useParams } from "react-router-dom";
import { api } from "../api/client";
import { ErrorNote, Loading } from "../ui/states";

/** A page staff wrote: plain text, a paragraph per blank line (never HTML). */
export default function ContentPage() {
  const { slug = "" } = useParams();
  const page = useQuery({ queryKey: ["page", slug], queryFn: () => api.page(slug) });
  if (page.isPending) return <Loading />;
  if (page.error) return <ErrorNote error={page.error} />;
  return (
    <article className="content-page">
      <h1>{page.data.title}</h1>
      {page.data.body
        .split(/\n\s*\n/)
        .filter((paragraph) => paragraph.trim())
        .map((paragraph, index) => (
          <p key={index}>{paragraph}</p>
        ))}
    </article>
  );
}
