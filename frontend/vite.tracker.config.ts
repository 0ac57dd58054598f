// Builds the public tracker, dist/t.js: one small script for other websites to embed.
import { defineConfig } from "vite";

export default defineConfig({
  publicDir: false,
  build: {
    outDir: "dist",
    emptyOutDir: false,
    target: "es2019",
    lib: {
      entry: "src/features/tracking/tracker/t.ts",
      formats: ["iife"],
      name: "ouroboardTracker",
      fileName: () => "t.js",
    },
  },
});
