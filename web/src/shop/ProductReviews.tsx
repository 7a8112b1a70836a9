import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { Link } from "react-router-dom";
import { api, ApiError } from "../api/client";
import { useSession } from "../auth/session";
import { dateTime } from "../ui/format";
import { Pagination } from "../ui/Pagination";
import { Empty, ErrorNote, Loading } from "../ui/states";
import { pageCount } from "./browse";
import { Stars } from "./ProductCard";

function WriteReview({ productId }: { productId: string }) {
  const queryClient = useQueryClient();
  const [rating, setRating] = useState(5);
  const [comment, setComment] = useState("");
  const write = useMutation({
    mutationFn: () => api.addReview(productId, { rating, comment }),
    onSuccess: () => {
      setComment("");
      queryClient.invalidateQueries({ queryKey: ["reviews", productId] });
      queryClient.invalidateQueries({ queryKey: ["product", productId] });
    },
  });
  const fieldError = write.error instanceof ApiError ? write.error.fields : {};
  const submit = (event: FormEvent) => {
    event.preventDefault();
    write.mutate();
  };
  return (
    <form className="review-form" onSubmit={submit} aria-labelledby="write-review">
      <h3 id="write-review">Write a review</h3>
      <label>
        Rating
        <select value={rating} onChange={(e) => setRating(Number(e.target.value))}>
          {[5, 4, 3, 2, 1].map((stars) => (
            <option key={stars} value={stars}>
              {stars} {stars === 1 ? "star" : "stars"}
            </option>
          ))}
        </select>
      </label>
      <label>
        Your review
        <textarea
          rows={4} maxLength={2000} value={comment} required
          aria-invalid={fieldError.comment ? true : undefined}
          onChange={(e) => setComment(e.target.value)}
        />
      </label>
      <button type="submit" disabled={write.isPending}>
        {write.isPending ? "Sending…" : "Post review"}
      </button>
      <div aria-live="polite">
        {write.isSuccess && <p className="success">Thank you: your review is up.</p>}
        {write.error && <ErrorNote error={write.error} />}
      </div>
    </form>
  );
}

export function ProductReviews({ productId }: { productId: string }) {
  const { user } = useSession();
  const [page, setPage] = useState(1);
  const reviews = useQuery({
    queryKey: ["reviews", productId, page],
    queryFn: () => api.reviews(productId, page),
    placeholderData: keepPreviousData,
  });
  const pages = reviews.data ? pageCount(reviews.data.total, reviews.data.per_page) : 1;
  return (
    <section className="reviews" aria-labelledby="reviews-heading">
      <h2 id="reviews-heading">Reviews</h2>
      {reviews.data && reviews.data.review_count > 0 && (
        <p>
          <Stars rating={reviews.data.average_rating} count={reviews.data.review_count} />
        </p>
      )}
      {reviews.isPending && <Loading what="Loading reviews" />}
      {reviews.error && <ErrorNote error={reviews.error} retry={reviews.refetch} />}
      {reviews.data?.items.length === 0 && <Empty>No reviews yet.</Empty>}
      <ul className="review-list">
        {reviews.data?.items.map((review) => (
          <li key={review.id} className="review">
            <p>
              <Stars rating={review.rating} /> <strong>{review.author}</strong>
              {review.verified_purchase && <span className="badge verified">Verified purchase</span>}
            </p>
            <p>{review.comment}</p>
            <p className="muted">{dateTime(review.created_at)}</p>
          </li>
        ))}
      </ul>
      <Pagination page={page} pages={pages} go={setPage} label="Review pages" />
      {user ? (
        <WriteReview productId={productId} />
      ) : (
        user === null && (
          <p>
            <Link to={`/signin?next=/products/${productId}`}>Sign in</Link> to write a review.
          </p>
        )
      )}
    </section>
  );
}
