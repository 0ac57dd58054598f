import { CopyField } from "../../../components/form/CopyField";
import { track } from "../../../lib/tracking";
import { toolSetups } from "../utils/snippets";

/** For a site already sending to Plausible, Umami, PostHog or Segment: the line of each
 * tool's setup to paste instead, with this key (shown once, like the key itself). */
export function ToolSetups({ ingestKey, siteDomain }: { ingestKey: string; siteDomain: string | null }) {
  return (
    <details className="mt-3" data-testid="tool-setups">
      <summary className="cursor-pointer font-medium">Switching from Plausible, Umami, PostHog or Segment?</summary>
      <p className="my-2">Keep their scripts and libraries; point them here with this key:</p>
      {toolSetups(ingestKey, siteDomain).map((setup) => (
        <div key={setup.tool} className="mb-2">
          <CopyField
            label={setup.label}
            value={setup.value}
            multiline
            testId={`setup-${setup.tool}`}
            onCopy={() => track("copy_to_clipboard", { what: `${setup.tool}_setup` })}
          />
          <p className="text-xs" data-testid={`setup-${setup.tool}-note`}>
            {setup.note}
          </p>
        </div>
      ))}
    </details>
  );
}
