/// <reference types="vitest/config" />
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

export default defineConfig({
  plugins: [react()],
  server: { proxy: { "/api": "http://localhost:8080", "/media": "http://localhost:8080" } },
  test: { environment: "jsdom", globals: true, setupFiles: ["src/setupTests.ts"] },
});
