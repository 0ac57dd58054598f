// Form state for the auth pages' text inputs.
import { useCallback, useState } from "react";

import type { ApiError } from "../../../lib/api-client";

/** The values of some text fields; bind(name, error) gives a TextField everything it needs. */
export function useTextFields<Name extends string>(initial: Record<Name, string>) {
  const [values, setValues] = useState(initial);
  const set = useCallback((name: Name, value: string) => setValues((current) => ({ ...current, [name]: value })), []);
  const bind = (name: Name, error: ApiError | null) => ({
    name,
    value: values[name],
    onValue: (value: string) => set(name, value),
    error,
  });
  return { values, set, bind };
}
