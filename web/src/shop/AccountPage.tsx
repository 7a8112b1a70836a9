// Placeholder: this page is being built.
export default function AccountPage() {
  return <h1>AccountPage</h1>;
}
