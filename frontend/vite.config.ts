import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import react from "@vitejs/plugin-react";
import { defineConfig, type Plugin } from "vite";

// The Flask API runs on :8000 in development; the dev server proxies to it.
const apiTarget = process.env.OUROBOARD_API ?? "http://127.0.0.1:8000";

/**
 * Ships Swagger UI's bundle and stylesheet with the dashboard, so /api/docs loads nothing
 * from other origins and runs under the same strict Content-Security-Policy as the rest.
 */
function swaggerUiAssets(): Plugin {
  const require = createRequire(import.meta.url);
  const packageDir = dirname(require.resolve("swagger-ui-dist/package.json"));
  return {
    name: "ouroboard-swagger-ui-assets",
    apply: "build",
    generateBundle() {
      for (const file of ["swagger-ui-bundle.js", "swagger-ui.css"]) {
        this.emitFile({
          type: "asset",
          fileName: `api-docs/${file}`,
          source: readFileSync(join(packageDir, file)),
        });
      }
    },
  };
}

export default defineConfig({
  plugins: [react(), swaggerUiAssets()],
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
