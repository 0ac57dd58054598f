// ESLint: typescript-eslint, the rules of hooks, and the dashboard's import boundaries.
// The plugins come through ./tooling, where they find the TypeScript 5 compiler API they need.
import { readdirSync } from "node:fs";

import { createNodeResolver, globals, importX, js, reactHooks, tseslint } from "@ouroboard/tooling";

// Every folder under src/features is a feature; each may import only itself, lib/ and components/.
const features = readdirSync(new URL("./src/features", import.meta.url), { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name);

const featureZones = features.map((feature) => ({
  target: `./src/features/${feature}`,
  from: "./src/features",
  except: [`./${feature}`],
  message: "Features do not import each other: compose them in src/App.tsx, or move the shared piece to lib/ or components/.",
}));

const sharedZones = ["components", "lib"].map((shared) => ({
  target: `./src/${shared}`,
  from: ["./src/features", "./src/App.tsx", "./src/main.tsx"],
  message: `src/${shared} knows no feature: pass what it needs in as props or arguments.`,
}));

export default tseslint.config(
  { ignores: ["dist/", "tooling/", "src/lib/api-client/schema.d.ts", "*.tsbuildinfo"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    // The dashboard and the scripts in public/ run in the browser.
    languageOptions: { ecmaVersion: 2022, sourceType: "module", globals: { ...globals.browser } },
  },
  {
    files: ["**/*.{ts,tsx}"],
    plugins: { "react-hooks": reactHooks, "import-x": importX },
    settings: {
      "import-x/resolver-next": [createNodeResolver({ extensions: [".ts", ".tsx", ".d.ts", ".js"] })],
    },
    rules: {
      ...reactHooks.configs.flat.recommended.rules,
      "react-hooks/exhaustive-deps": "error",
      "import-x/no-restricted-paths": ["error", { zones: [...featureZones, ...sharedZones] }],
    },
  },
  {
    files: ["vite.config.ts", "vite.tracker.config.ts", "eslint.config.js", "postcss.config.js", "tailwind.config.js"],
    languageOptions: { globals: { ...globals.node } },
  },
);
