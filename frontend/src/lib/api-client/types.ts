// Names for the generated types in schema.d.ts (written by bin/api-types; do not edit it).
import type { components, paths } from "./schema";

/** A schema of the server's OpenAPI document, e.g. Schema<"Summary">. */
export type Schema<Name extends keyof components["schemas"]> = components["schemas"][Name];

type GetPath = { [P in keyof paths]: paths[P] extends { get: { parameters: { query?: object } } } ? P : never }[keyof paths];

/** The query parameters a GET endpoint accepts, e.g. QueryParams<"/api/v1/analytics/summary">. */
export type QueryParams<P extends GetPath> = paths[P] extends { get: { parameters: { query?: infer Q } } }
  ? NonNullable<Q>
  : never;
