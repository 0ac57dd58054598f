import { WebBreakdownPanel, type WebPanelProps, type WebTab } from "./WebBreakdownPanel";

const TABS: [WebTab<"country">] = [{ id: "country", label: "Countries", by: "country", column: "Country" }];

/** Visits per country, most first, each with its flag (drawn by the font: no images). */
export function CountriesPanel(props: WebPanelProps) {
  return <WebBreakdownPanel {...props} title="Countries" name="countries" tabs={TABS} />;
}
