// Placeholder: this page is being built.
export default function TrackPage() {
  return <h1>TrackPage</h1>;
}
