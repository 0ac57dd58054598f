import { useState, type FormEvent } from "react";

import { ApiError } from "../../../lib/api-client";
import type { useCreateProject } from "../hooks/useProjects";
import { browserZone } from "../utils/timezones";
import { TimeZoneSelect } from "./TimeZoneSelect";
import { ErrorNote, FormRow } from "./ui";

/** Name a project and pick its reporting time zone; `create` (its page's mutation, which
 * keeps the created project) sends them. */
export function CreateProjectForm({ create }: { create: ReturnType<typeof useCreateProject> }) {
  const [name, setName] = useState("");
  const [timezone, setTimezone] = useState(browserZone);
  const error = create.error instanceof ApiError ? create.error : null;
  const fieldError = error?.fieldError("name") ?? error?.fieldError("slug");

  function submit(event: FormEvent) {
    event.preventDefault();
    create.mutate({ name: name.trim(), timezone });
  }

  return (
    <form onSubmit={submit} className="flex flex-col gap-4" noValidate>
      {error && !fieldError && <ErrorNote error={error} />}
      <FormRow label="Project name" htmlFor="project-name" hint="Its address (slug) is made from the name, e.g. “My shop” becomes my-shop.">
        <input
          id="project-name"
          className="input"
          required
          maxLength={100}
          value={name}
          aria-invalid={fieldError ? true : undefined}
          onChange={(event) => setName(event.target.value)}
        />
        {fieldError && (
          <p role="alert" className="mt-1 text-sm text-red-600 dark:text-red-400">
            {fieldError}
          </p>
        )}
      </FormRow>
      <FormRow label="Time zone" htmlFor="project-timezone" hint="Days and hours in the charts are counted in this zone.">
        <TimeZoneSelect id="project-timezone" value={timezone} onChange={setTimezone} />
      </FormRow>
      <div>
        <button type="submit" className="btn-primary" disabled={create.isPending || name.trim() === ""}>
          {create.isPending ? "Creating…" : "Create project"}
        </button>
      </div>
    </form>
  );
}
