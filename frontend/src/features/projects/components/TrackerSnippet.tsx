import { track } from "../../../lib/tracking";
import { CopyField } from "../../../components/form/CopyField";
import { trackerSnippet } from "../utils/snippets";

/** The script tag that sends a website's page views with this key, ready to copy. */
export function TrackerSnippet({ ingestKey, label = "Tracker snippet", testId = "tracker-snippet" }: { ingestKey: string; label?: string; testId?: string }) {
  return (
    <div>
      <CopyField
        label={label}
        value={trackerSnippet(ingestKey)}
        multiline
        testId={testId}
        onCopy={() => track("copy_to_clipboard", { what: "tracker_snippet" })}
      />
      <p className="text-xs text-slate-500 dark:text-slate-400">
        Paste it into every page’s <code>&lt;head&gt;</code>. Optional attributes: <code>data-no-storage</code> (keep no
        anonymous id), <code>data-respect-dnt</code> (honour Do Not Track). Custom events:{" "}
        <code>window.ouroboard.track("signup_click", {"{"}plan: "team"{"}"})</code>.
      </p>
    </div>
  );
}
