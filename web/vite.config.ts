/// <reference types="vitest/config" />
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

export default defineConfig({
  plugins: [react()],
  // The manifest lets the tests and the README measure what the first page load downloads.
  build: { manifest: true },
  server: { proxy: { "/api": "http://localhost:8080", "/media": "http://localhost:8080" } },
  test: { environment: "jsdom", globals: true, setupFiles: ["src/setupTests.ts"] },
});
