import { useState } from "react";

import { track } from "../../../../lib/tracking";
import type { WebDimension } from "../../api/web";
import { WebBreakdownPanel, type WebPanelProps, type WebTab } from "./WebBreakdownPanel";

type SourceTab = "channels" | "referrers" | "campaigns" | "utm";
type UtmField = Extract<WebDimension, "utm_source" | "utm_medium" | "utm_term" | "utm_content">;

const UTM_FIELDS: { by: UtmField; label: string }[] = [
  { by: "utm_source", label: "UTM source" },
  { by: "utm_medium", label: "UTM medium" },
  { by: "utm_term", label: "UTM term" },
  { by: "utm_content", label: "UTM content" },
];

/** Where visits came from: channels, referring sites, campaigns and the other UTM fields. */
export function SourcesPanel(props: WebPanelProps) {
  const [utmField, setUtmField] = useState<UtmField>("utm_source");
  const utmLabel = UTM_FIELDS.find((field) => field.by === utmField)?.label ?? "UTM";
  const tabs: [WebTab<SourceTab>, ...WebTab<SourceTab>[]] = [
    { id: "channels", label: "Channels", by: "channel", column: "Channel" },
    { id: "referrers", label: "Referrers", by: "referrer", column: "Referrer" },
    { id: "campaigns", label: "Campaigns", by: "utm_campaign", column: "Campaign" },
    { id: "utm", label: "UTM", by: utmField, column: utmLabel },
  ];

  function chooseUtm(field: UtmField) {
    track("web_tab_change", { panel: "sources", tab: field });
    setUtmField(field);
  }

  return (
    <WebBreakdownPanel
      {...props}
      title="Sources"
      name="sources"
      tabs={tabs}
      tabControls={(selected) =>
        selected === "utm" && (
          <select aria-label="UTM parameter" className="input h-7 w-auto py-0 text-xs" value={utmField} onChange={(event) => chooseUtm(event.target.value as UtmField)}>
            {UTM_FIELDS.map((field) => (
              <option key={field.by} value={field.by}>
                {field.label}
              </option>
            ))}
          </select>
        )
      }
    />
  );
}
