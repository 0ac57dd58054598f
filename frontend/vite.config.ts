import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

// The Flask API runs on :8000 in development; the dev server proxies to it.
const apiTarget = process.env.OUROBOARD_API ?? "http://127.0.0.1:8000";

export default defineConfig({
  plugins: [react()],
  server: {
    port: 5173,
    proxy: {
      "/api": apiTarget,
      "/health": apiTarget,
    },
  },
  build: {
    outDir: "dist",
    emptyOutDir: true,
    sourcemap: false,
  },
});
