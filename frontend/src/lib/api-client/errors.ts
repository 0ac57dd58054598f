// The one error type every API call throws.
import type { Schema } from "./types";

/** An error answered by the API, carrying its message and per-field details. */
export class ApiError extends Error {
  readonly status: number;
  readonly details: Record<string, string[]>;

  constructor(status: number, message: string, details: Record<string, string[]> = {}) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.details = details;
  }

  /** The first message for a field, for showing under a form input. */
  fieldError(field: string): string | undefined {
    return this.details[field]?.[0];
  }
}

/** The ApiError for a failed response, from its JSON error body when it has one. */
export async function toApiError(response: Response): Promise<ApiError> {
  try {
    const body = (await response.json()) as Partial<Schema<"Error">> & { details?: Record<string, string[]> };
    return new ApiError(response.status, body.error ?? response.statusText, body.details ?? {});
  } catch {
    return new ApiError(response.status, response.statusText || "Request failed");
  }
}
