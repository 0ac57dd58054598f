import { useState, type FormEvent } from "react";

import { ApiError } from "../../../../lib/api-client";
import type { ProjectDetail } from "../../api/types";
import { useUpdateProject } from "../../hooks/useProjects";
import { TimeZoneSelect } from "../TimeZoneSelect";
import { ErrorNote, FormRow, Section, SuccessNote } from "../ui";

/** The project's name and reporting time zone. */
export function GeneralSection({ project }: { project: ProjectDetail }) {
  const [name, setName] = useState(project.name);
  const [timezone, setTimezone] = useState(project.timezone);
  const update = useUpdateProject(project.slug);
  const error = update.error instanceof ApiError ? update.error : null;
  const unchanged = name.trim() === project.name && timezone === project.timezone;

  function submit(event: FormEvent) {
    event.preventDefault();
    const change: { name?: string; timezone?: string } = {};
    if (name.trim() !== project.name) change.name = name.trim();
    if (timezone !== project.timezone) change.timezone = timezone;
    update.mutate(change);
  }

  return (
    <Section title="General" description={<>The project’s address is <code>{project.slug}</code>; it does not change.</>}>
      <form onSubmit={submit} className="grid gap-4 sm:grid-cols-2" noValidate>
        <FormRow label="Name" htmlFor="settings-name">
          <input id="settings-name" className="input" required maxLength={100} value={name} onChange={(event) => setName(event.target.value)} />
          {error?.fieldError("name") && <p role="alert" className="mt-1 text-sm text-red-600">{error.fieldError("name")}</p>}
        </FormRow>
        <FormRow label="Time zone" htmlFor="settings-timezone" hint="The dashboard counts days and hours in this zone.">
          <TimeZoneSelect id="settings-timezone" value={timezone} onChange={setTimezone} />
        </FormRow>
        <div className="sm:col-span-2">
          {error && !error.fieldError("name") && <ErrorNote error={error} />}
          {update.isSuccess && unchanged && <SuccessNote>Saved.</SuccessNote>}
          <button type="submit" className="btn-primary" disabled={unchanged || update.isPending || name.trim() === ""}>
            {update.isPending ? "Saving…" : "Save"}
          </button>
        </div>
      </form>
    </Section>
  );
}
