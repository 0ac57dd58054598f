#!/usr/bin/env node
// openapi-typescript's CLI, run from this package where its TypeScript 5 peer is installed.
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";

const require = createRequire(import.meta.url);
const packageDir = dirname(require.resolve("openapi-typescript/package.json"));
await import(pathToFileURL(join(packageDir, "bin", "cli.js")).href);
