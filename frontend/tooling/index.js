// The ESLint pieces eslint.config.js uses, re-exported from here so they resolve against
// this package's TypeScript 5 (typescript-eslint needs its compiler API; TypeScript 7 has none).
export { default as js } from "@eslint/js";
export { default as globals } from "globals";
export { default as reactHooks } from "eslint-plugin-react-hooks";
export { default as importX, createNodeResolver } from "eslint-plugin-import-x";
export { default as tseslint } from "typescript-eslint";
